import Foundation
import FuzzSupport

exit(runLibFuzzer(fuzzToken))
