// The command-line front: parses global options and runs one subcommand.
#pragma once

namespace baton::cli {

int run(int argc, char** argv);

}  // namespace baton::cli
