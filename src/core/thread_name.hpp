// Names the calling thread as `top -H`, `ps -L` and perf show it: an operator
// looking at a busy server sees "sql-writer" at 100 %, not a thread id.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace guichet {

// Linux keeps 15 bytes of a thread's name: longer names are cut.
inline void NameThisThread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace guichet
