/// A small calendar API: a protected resource of its own (RFC 9728), with its own audience (RFC 8707).
public enum CalendarService {}
