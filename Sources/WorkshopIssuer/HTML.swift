/// Text made safe to place in HTML content or a quoted attribute value.
enum HTML {
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }

    /// A whole page around `body`, with a little style and nothing loaded from elsewhere.
    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4 }
        button { display: block; width: 100%; margin: .4rem 0; padding: .6rem; font-size: 1rem; cursor: pointer }
        .deny { background: #eee } .note { color: #555; font-size: .9rem } code { word-break: break-all }
        fieldset { margin: .6rem 0; border: 1px solid #ccc } label { margin-right: 1rem; white-space: nowrap }
        .warning { background: #fff4ce; border: 1px solid #d9a400; padding: .5rem }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }
}
