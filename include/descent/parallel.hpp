// descent: the thread pool that large optimizer steps (and other bulk work) split across cores.
//
// One process-wide pool, created on first use with `threads()` workers (by default the number of
// hardware threads). `parallel_for(tasks, fn)` calls fn(0) ... fn(tasks - 1), each exactly once,
// spread over the pool, and returns when all are done; the calling thread takes part. Work is
// split statically, so which task runs where never changes a result that depends only on the task
// index. Calls from inside a task, or from a second thread while the pool is busy, run their tasks
// on the calling thread instead of waiting, so nesting cannot deadlock.
#pragma once

#include <cstddef>
#include <functional>

namespace descent {

/// The number of threads bulk work uses (>= 1).
unsigned threads();

/// Sets the number of threads bulk work uses; 0 means the number of hardware threads. Results of
/// every descent computation are the same for any value. Throws InputError above 1024.
void set_threads(unsigned n);

/// The number of hardware threads (std::thread::hardware_concurrency, at least 1).
unsigned hardware_threads();

/// Runs fn(i) for i in [0, tasks) on up to threads() threads and waits for all of them. If a task
/// throws, the first exception (by task index) is rethrown here after every task has finished.
void parallel_for(std::size_t tasks, const std::function<void(std::size_t)>& fn);

}  // namespace descent
