#include "storage/sqlite/wal_write_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace guichet::storage::sqlite {
namespace {

// Past this, the gathered bytes are written without waiting for the sync.
constexpr std::size_t kMaxGathered = 1 << 20;
// The unix VFS writes at most 128 KiB - 1 per call (seekAndWriteFd masks the
// length with 0x1ffff) and reports a longer write as SQLITE_FULL: the bytes
// go down in pieces of 31 WAL frames.
constexpr std::size_t kMaxWrite = 31 * (4096 + 24);

// SQLite's slot of the WAL write lock among the shared-memory locks (wal.c:
// WAL_WRITE_LOCK).
constexpr int kWalWriteLock = 0;

sqlite3_vfs* g_base = nullptr;

// What SQLite allocates for each open file (szOsFile): this, then the
// default VFS's own file object.
struct File {
  sqlite3_file base;  // first: SQLite sees a sqlite3_file
  sqlite3_file* real;
  bool wal;
  // The database's path: the main file's name, the WAL's without "-wal".
  std::string database;
  // Bytes written at [offset, offset + gathered.size()) not yet on the file.
  std::string gathered;
  sqlite3_int64 offset;
};

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods* Real(File* f) { return f->real->pMethods; }

// The WAL files holding gathered bytes. Only the connection holding a
// database's WAL write lock writes its WAL, and its bytes are written before
// that lock is released (ShmLock): at most one per database.
std::mutex g_gathering_mutex;
std::vector<File*> g_gathering;

int Flush(File* f) {
  if (f->gathered.empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < f->gathered.size() && rc == SQLITE_OK; done += kMaxWrite) {
    const std::size_t n = std::min(kMaxWrite, f->gathered.size() - done);
    rc = Real(f)->xWrite(f->real, f->gathered.data() + done, static_cast<int>(n),
                         f->offset + static_cast<sqlite3_int64>(done));
  }
  f->gathered.clear();
  std::lock_guard lock(g_gathering_mutex);
  std::erase(g_gathering, f);
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  const int flushed = Flush(f);
  const int rc = Real(f)->xClose(f->real);
  f->gathered.~basic_string();
  f->database.~basic_string();
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 at) {
  File* f = Of(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xRead(f->real, out, amount, at);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 at) {
  File* f = Of(file);
  if (!f->wal) return Real(f)->xWrite(f->real, data, amount, at);
  if (!f->gathered.empty() && at != f->offset + static_cast<sqlite3_int64>(f->gathered.size())) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  try {
    if (f->gathered.empty()) {
      f->offset = at;
      std::lock_guard lock(g_gathering_mutex);
      g_gathering.push_back(f);
    }
    f->gathered.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
  } catch (const std::bad_alloc&) {
    // No memory to gather into: what was gathered, then this, to the file
    // now (gathered bytes are writes SQLite was told had succeeded).
    const int rc = Flush(f);
    {
      std::lock_guard lock(g_gathering_mutex);
      std::erase(g_gathering, f);  // registered with nothing gathered yet
    }
    return rc != SQLITE_OK ? rc : Real(f)->xWrite(f->real, data, amount, at);
  }
  return f->gathered.size() >= kMaxGathered ? Flush(f) : SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileSize(f->real, size);
}

// The rest as the default VFS does it.
int Lock(sqlite3_file* f, int level) { return Real(Of(f))->xLock(Of(f)->real, level); }
int Unlock(sqlite3_file* f, int level) { return Real(Of(f))->xUnlock(Of(f)->real, level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(Of(f))->xCheckReservedLock(Of(f)->real, out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(Of(f))->xFileControl(Of(f)->real, op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(Of(f))->xSectorSize(Of(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(Of(f))->xDeviceCharacteristics(Of(f)->real);
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(Of(f))->xShmMap(Of(f)->real, region, size, extend, out);
}
// Called on the database file. Before the WAL write lock is released, the
// bytes its holder gathered go to the WAL: a commit's were written by its
// sync already; these can only be frames a rolled-back transaction spilled,
// which the next writer overwrites — as it would have without this VFS, and
// never the other way round.
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = Of(file);
  int flushed = SQLITE_OK;
  if ((flags & SQLITE_SHM_UNLOCK) && offset <= kWalWriteLock && kWalWriteLock < offset + n) {
    std::vector<File*> holders;
    {
      std::lock_guard lock(g_gathering_mutex);
      for (File* w : g_gathering) {
        if (w->database == f->database) holders.push_back(w);
      }
    }
    for (File* w : holders) {
      if (const int rc = Flush(w); rc != SQLITE_OK) flushed = rc;
    }
  }
  const int rc = Real(f)->xShmLock(f->real, offset, n, flags);
  return flushed != SQLITE_OK ? flushed : rc;
}
void ShmBarrier(sqlite3_file* f) { Real(Of(f))->xShmBarrier(Of(f)->real); }
int ShmUnmap(sqlite3_file* f, int remove) { return Real(Of(f))->xShmUnmap(Of(f)->real, remove); }
int Fetch(sqlite3_file* f, sqlite3_int64 at, int amount, void** out) {
  return Real(Of(f))->xFetch(Of(f)->real, at, amount, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
  return Real(Of(f))->xUnfetch(Of(f)->real, at, p);
}

// The default VFS's files (unix) implement version 3 (shared memory, mmap).
const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = Of(file);
  f->base.pMethods = nullptr;  // SQLite calls no xClose on a file that did not open
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  const int rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  if (!f->real->pMethods || f->real->pMethods->iVersion < 3) {
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  new (&f->database) std::string(name ? name : "");
  if (f->wal && f->database.size() > 4) f->database.resize(f->database.size() - 4);  // "-wal"
  new (&f->gathered) std::string();
  f->offset = 0;
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_base->xDelete(g_base, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_base->xFullPathname(g_base, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_base->xDlSym(g_base, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int Sleep(sqlite3_vfs*, int micros) { return g_base->xSleep(g_base, micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return g_base->xGetLastError ? g_base->xGetLastError(g_base, n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_base->xCurrentTimeInt64(g_base, out);
}

constexpr const char* kName = "guichet-wal-write";

}  // namespace

const char* WalWriteVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_base = sqlite3_vfs_find(nullptr);
    static sqlite3_vfs vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(File)) + g_base->szOsFile;
    vfs.mxPathname = g_base->mxPathname;
    vfs.zName = kName;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&vfs, 0);
  });
  return kName;
}

}  // namespace guichet::storage::sqlite
