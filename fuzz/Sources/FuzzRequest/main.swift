import Foundation
import FuzzSupport

exit(runLibFuzzer(fuzzRequest))
