/* baton_stamp: the task the start-latency benchmark runs. Its first
 * instruction in main() reads CLOCK_MONOTONIC and writes the 8 bytes to the
 * FIFO named by argv[1]. libc only, so exec costs as little as it can;
 * the benchmark measures the same program spawned directly as the baseline. */
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (argc < 2) return 2;
  int64_t ns = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  int fd = open(argv[1], O_WRONLY | O_NONBLOCK);
  if (fd < 0) return 1;
  ssize_t n = write(fd, &ns, sizeof ns);
  close(fd);
  return n == static_cast<ssize_t>(sizeof ns) ? 0 : 1;
}
