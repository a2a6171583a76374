package store

import (
	"sync"

	"modernc.org/libc"
)

// The statement journal's memory. SQLite keeps an undo journal for each write
// statement inside a transaction that may fail part way (every write FerretDB
// makes: a multi-row insert, an update, against the unique _id index). It holds
// that journal in memory in 64 KiB chunks, and the C allocator of the Go
// SQLite (modernc.org/memory) serves such a chunk from a 1 MiB page of its
// size class, mapped for it and unmapped again as soon as its last chunk is
// freed: so every write statement mapped a fresh page, faulted it in and
// unmapped it. Measured under card sends, that was about a tenth of Heard's
// CPU (mmap, munmap and the page faults). One chunk-sized allocation that is
// never freed keeps the class's page mapped, and every later journal reuses
// its free places. Should the sizes change in a newer SQLite, the pin costs
// 128 KiB and does nothing else.

// journalChunkAlloc is what SQLite asks of malloc for one chunk: the 64 KiB
// spill size (SQLITE_STMTJRNL_SPILL), the chunk's 8-byte header, and the
// 8-byte size prefix of its own allocator.
const journalChunkAlloc = 64<<10 + 8 + 8

var pinJournalPage = sync.OnceFunc(func() {
	_ = libc.Xmalloc(libc.NewTLS(), journalChunkAlloc) // never freed, by design
})
