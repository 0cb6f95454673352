#include "cmd/app.h"

namespace baton::cli {

int run(int, char**) { return 0; }

}  // namespace baton::cli
