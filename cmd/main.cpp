// baton: one binary that is the broker, a worker, or the client.
#include "cmd/app.h"

int main(int argc, char** argv) { return baton::cli::run(argc, argv); }
