// The declaration in include/LibFuzzer.h is all there is: libFuzzer itself is linked by -sanitize=fuzzer.
#include "LibFuzzer.h"
