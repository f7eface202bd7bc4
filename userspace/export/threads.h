// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Exporter threads must not take the process's signals: SIGINT, SIGTERM and SIGHUP belong to the
// main loop of `watch` (its poll is what a signal interrupts), and a SIGPIPE from a closed socket
// must never kill the process. Threads started inside a BlockedSignals scope inherit a mask that
// blocks every signal.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace protoport::exporters {

class BlockedSignals {
 public:
  BlockedSignals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old_);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

 private:
  sigset_t old_{};
};

}  // namespace protoport::exporters
