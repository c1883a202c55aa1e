// A SQLite VFS over the default one that gathers the writes of a WAL file
// into one system call per commit.
//
// SQLite appends each frame of a commit to the WAL with two writes (its
// 24-byte header, then the page), and on this virtual machine a system call
// costs more than the copy it does: under a load of creates the store's
// writer made ~5 pwrite calls per create, a quarter of its time (perf trace).
// Here the writes to a file SQLite opened as a WAL are kept in memory while
// they follow one another, and written as one before anything that needs
// them on the file: xSync (a commit, with synchronous=FULL, syncs the WAL
// before it publishes the new frames to readers), xRead, xTruncate,
// xFileSize, xClose, a write elsewhere in the file, 1 MiB gathered, or the
// release of the WAL write lock (frames spilled by a transaction that rolled
// back). A crash loses only what SQLite had not synced, as without it. Every
// other file and method goes straight to the default VFS.
//
// Correct only with synchronous=FULL (or EXTRA) on the connections that
// write: with NORMAL, SQLite publishes frames without syncing them, and
// readers could read frames still held here. SqliteConnection sets FULL.
#pragma once

namespace guichet::storage::sqlite {

// Registers the VFS (once, not as the default) and returns its name, for
// sqlite3_open_v2's last argument.
const char* WalWriteVfs();

}  // namespace guichet::storage::sqlite
