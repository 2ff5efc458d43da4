// tsmpi's shared-memory transport, native part: what Node cannot do by itself (map one file
// into several processes, atomics with a memory order on that memory, a bounded busy-poll).
// Everything here is synchronous and runs on the JavaScript thread; waking a sleeping process
// goes through a FIFO ("bell") that the JavaScript side watches with libuv, so no native
// thread and no call into JavaScript from native code exist.
//
// One segment file per receiving rank holds a control block and one single-producer /
// single-consumer ring per sender on its host (slot = the sender's index among the host's
// ranks). A ring is a byte stream of records: u32 frame count, u32 zero, u64 length per frame,
// then the frames' bytes, padded to 8. The writer publishes `head` after every chunk of at
// most a quarter ring, so the reader copies out while the writer copies in; a record's header
// is always published whole. The reader hands a message to JavaScript only when every byte of
// it has arrived: a writer killed mid-record leaves a record nobody ever delivers, never a
// torn one.
//
// Sleeping and waking (a Dekker pair, both sides sequentially consistent):
//   reader: sleeping := 1; look at every ring's head      writer: publish head; look at sleeping
// so either the reader sees the data or the writer sees the flag, takes it (exchange to 0,
// one bell per sleep) and writes a byte to the reader's FIFO. The same pair guards a writer
// waiting for space: writerWaiting := 1; look at tail  /  reader: publish tail; look at it.

#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

namespace {

constexpr uint32_t kMagic = 0x314d5354;  // "TSM1"
constexpr uint32_t kVersion = 5;
constexpr size_t kControlBytes = 4096;
constexpr size_t kRingHeaderBytes = 256;
// An envelope and at most 255 packets (p2p/envelope.ts).
constexpr uint32_t kMaxFrames = 256;
// A poll returns to JavaScript after this many messages or bytes, so a flood cannot starve it.
constexpr uint32_t kMaxMessagesPerPoll = 512;
constexpr uint64_t kMaxBytesPerPoll = 8u << 20;

struct Control {
  uint32_t magic;
  uint32_t version;
  uint32_t slots;
  uint32_t ringBytes;
  uint8_t pad0[48];
  std::atomic<uint32_t> sleeping;  // offset 64
  uint8_t pad1[60];
  std::atomic<uint32_t> closed;  // offset 128
  uint8_t pad2[60];
  int32_t pid;  // offset 192
};

struct RingHeader {
  std::atomic<uint64_t> head;  // written by the sender only
  uint8_t pad0[56];
  std::atomic<uint64_t> tail;  // written by the receiver only
  uint8_t pad1[56];
  std::atomic<uint32_t> writerWaiting;
  uint8_t pad2[60];
};

static_assert(sizeof(Control) <= kControlBytes, "control block");
static_assert(sizeof(RingHeader) <= kRingHeaderBytes, "ring header");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "lock-free 64-bit atomics");

uint64_t nowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

uint64_t align8(uint64_t n) { return (n + 7) & ~uint64_t(7); }

// A polling budget from JavaScript: spin > 0 polls with a pause between looks; spin < 0 polls
// for -spin ns giving the CPU away between looks (sched_yield), for hosts with more ranks than
// CPUs, where the peer we wait for may need this very CPU (Open MPI's yield_when_idle).
// Even a busy poll yields now and then (every kPausesPerYield pauses, some 10 µs): a bound
// rank's threads all share its CPU, and V8's garbage-collection workers should not wait a
// whole polling budget behind it. A yield with nothing else to run costs about a microsecond.
constexpr uint32_t kPausesPerYield = 256;

struct Spin {
  uint64_t budget;
  bool yield;
  uint32_t pauses = 0;
  explicit Spin(double ns) : budget(uint64_t(ns < 0 ? -ns : ns)), yield(ns < 0) {}
  void relax() {
    if (yield || ++pauses % kPausesPerYield == 0) sched_yield();
    else CPU_RELAX();
  }
};

struct Segment {
  uint8_t* base = nullptr;
  size_t bytes = 0;
  uint32_t slots = 0;
  uint32_t ringBytes = 0;

  Control* control() const { return reinterpret_cast<Control*>(base); }
  size_t stride() const { return kRingHeaderBytes + ringBytes; }
  RingHeader* ring(uint32_t slot) const {
    return reinterpret_cast<RingHeader*>(base + kControlBytes + slot * stride());
  }
  uint8_t* data(uint32_t slot) const { return base + kControlBytes + slot * stride() + kRingHeaderBytes; }
  void unmap() {
    if (base != nullptr) munmap(base, bytes);
    base = nullptr;
  }
};

size_t segmentBytes(uint32_t slots, uint32_t ringBytes) {
  return kControlBytes + size_t(slots) * (kRingHeaderBytes + ringBytes);
}

// A message being copied out of a ring over several polls (larger than what had arrived).
struct Partial {
  bool active = false;
  uint32_t frames = 0;
  uint32_t frame = 0;
  uint64_t frameOffset = 0;
  uint64_t left = 0;  // bytes of the record not consumed yet, padding included
  std::vector<napi_ref> refs;
  std::vector<uint8_t*> ptrs;
  std::vector<uint64_t> lengths;
};

struct Peer {
  int32_t rank = -1;
  std::string segmentPath;
  std::string bellPath;
  Segment segment;
  int bellFd = -1;
  bool gone = false;  // its segment could not be opened: the rank has ended
};

struct Endpoint {
  // Reused by every poll (a poll allocates nothing it does not hand over).
  std::vector<uint32_t> meta;
  std::vector<uint8_t> stage;
  std::vector<uint8_t> blocked;
  Segment own;
  std::string segmentPath;
  std::string bellPath;
  uint32_t slot = 0;
  std::vector<Peer> peers;
  std::vector<Partial> partial;
  bool closed = false;
};

// ---------------------------------------------------------------------------------------
// N-API plumbing

#define CHECK(env, call)                                             \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error((env), "ERR_SHM", "internal N-API failure: " #call); \
      return nullptr;                                                \
    }                                                                \
  } while (0)

napi_value throwSys(napi_env env, const std::string& what) {
  std::string message = what + ": " + strerror(errno);
  napi_throw_error(env, "ERR_SHM", message.c_str());
  return nullptr;
}

napi_value throwMsg(napi_env env, const std::string& message) {
  napi_throw_error(env, "ERR_SHM", message.c_str());
  return nullptr;
}

bool getString(napi_env env, napi_value v, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->resize(len);
  std::vector<char> buf(len + 1);
  if (napi_get_value_string_utf8(env, v, buf.data(), len + 1, &len) != napi_ok) return false;
  out->assign(buf.data(), len);
  return true;
}

bool getUint32(napi_env env, napi_value v, uint32_t* out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

void finalizeEndpoint(napi_env env, void* data, void*);

Endpoint* getEndpoint(napi_env env, napi_value v) {
  void* data = nullptr;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == nullptr) {
    napi_throw_type_error(env, "ERR_SHM", "not a shared-memory endpoint");
    return nullptr;
  }
  auto* ep = static_cast<Endpoint*>(data);
  if (ep->closed) {
    napi_throw_error(env, "ERR_SHM", "the shared-memory endpoint is closed");
    return nullptr;
  }
  return ep;
}

// ---------------------------------------------------------------------------------------
// Large buffers: what a rank receives (a large message, a host collective's result) is new
// memory, and faulting 16 MiB in 4 KiB pages costs this VM kind twice the copy into it
// (measured: 6 ms against 2.8). So buffers from kLargeBytes on are mapped in 2 MiB-aligned
// regions marked for transparent huge pages (512 times fewer faults where the kernel has them
// on "madvise"), and a region whose buffer was collected is kept for the next buffer of its
// size, up to kPoolBytes per process, so a loop receiving large arrays stops faulting at all.
// The bytes are not zeroed: every caller overwrites them all before JavaScript sees them.
// Below kLargeBytes malloc's own reuse does better: a huge-page fault may compact memory first
// (the kernel's "defrag" setting), and 1 MiB messages in 2 MiB regions measured 1.5-7 ms per
// round trip against 0.5-2.4 ms from malloc.
constexpr size_t kHugePage = 2u << 20;
constexpr size_t kLargeBytes = 4u << 20;
constexpr size_t kPoolBytes = 128u << 20;

struct Region {
  void* base;
  size_t bytes;
};
std::mutex gPoolMutex;
std::vector<Region> gPool;
size_t gPooledBytes = 0;

size_t regionBytes(size_t length) { return (length + kHugePage - 1) / kHugePage * kHugePage; }

void* takeRegion(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(gPoolMutex);
    for (size_t i = 0; i < gPool.size(); i++) {
      if (gPool[i].bytes == bytes) {
        void* base = gPool[i].base;
        gPool[i] = gPool.back();
        gPool.pop_back();
        gPooledBytes -= bytes;
        return base;
      }
    }
  }
  void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  uintptr_t start = (reinterpret_cast<uintptr_t>(raw) + kHugePage - 1) & ~uintptr_t(kHugePage - 1);
  size_t head = start - reinterpret_cast<uintptr_t>(raw);
  if (head > 0) munmap(raw, head);
  if (kHugePage - head > 0) munmap(reinterpret_cast<void*>(start + bytes), kHugePage - head);
  void* base = reinterpret_cast<void*>(start);
#ifdef MADV_HUGEPAGE
  madvise(base, bytes, MADV_HUGEPAGE);
#endif
  return base;
}

// Finalizer of a large buffer (hint: its region's size). Node may call it on any thread.
void releaseRegion(napi_env, void* data, void* hint) {
  size_t bytes = reinterpret_cast<size_t>(hint);
  {
    std::lock_guard<std::mutex> lock(gPoolMutex);
    if (gPooledBytes + bytes <= kPoolBytes) {
      gPool.push_back(Region{data, bytes});
      gPooledBytes += bytes;
      return;
    }
  }
  munmap(data, bytes);
}

// A Buffer of `length` bytes whose contents the caller fills completely; large ones from the
// pool. `data` gets its memory.
napi_status createFillBuffer(napi_env env, size_t length, void** data, napi_value* result) {
  if (length >= kLargeBytes) {
    size_t bytes = regionBytes(length);
    void* base = takeRegion(bytes);
    if (base != nullptr) {
      napi_status status = napi_create_external_buffer(env, length, base, releaseRegion, reinterpret_cast<void*>(bytes), result);
      if (status == napi_ok) {
        *data = base;
        return status;
      }
      releaseRegion(env, base, reinterpret_cast<void*>(bytes));  // external buffers refused: an ordinary one
    }
  }
  return napi_create_buffer(env, length, data, result);
}

// allocate(bytes) -> ArrayBuffer of `bytes` (not zeroed: the caller writes all of it), from
// the large-buffer pool from kLargeBytes on.
napi_value Allocate(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  double lengthD = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &lengthD) != napi_ok || !(lengthD >= 0) || lengthD > double(1ull << 46)) {
    return throwMsg(env, "allocate(bytes >= 0)");
  }
  size_t length = size_t(lengthD);
  napi_value result;
  if (length >= kLargeBytes) {
    size_t bytes = regionBytes(length);
    void* base = takeRegion(bytes);
    if (base != nullptr &&
        napi_create_external_arraybuffer(env, base, length, releaseRegion, reinterpret_cast<void*>(bytes), &result) == napi_ok) {
      return result;
    }
    if (base != nullptr) releaseRegion(env, base, reinterpret_cast<void*>(bytes));
  }
  void* data = nullptr;
  CHECK(env, napi_create_arraybuffer(env, length, &data, &result));
  return result;
}

// ---------------------------------------------------------------------------------------
// Segments and bells

bool mapFile(int fd, size_t bytes, Segment* seg) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return false;
  seg->base = static_cast<uint8_t*>(p);
  seg->bytes = bytes;
  return true;
}

bool mapPeer(Peer* peer) {
  int fd = open(peer->segmentPath.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && size_t(st.st_size) >= kControlBytes && mapFile(fd, size_t(st.st_size), &peer->segment);
  close(fd);
  if (!ok) return false;
  Control* c = peer->segment.control();
  if (c->magic != kMagic || c->version != kVersion ||
      segmentBytes(c->slots, c->ringBytes) != peer->segment.bytes) {
    peer->segment.unmap();
    errno = EPROTO;
    return false;
  }
  peer->segment.slots = c->slots;
  peer->segment.ringBytes = c->ringBytes;
  return true;
}

void ringBell(Peer* peer) {
  if (peer->bellFd < 0) {
    // O_NONBLOCK: opening a FIFO nobody reads fails with ENXIO instead of waiting (the rank has
    // ended); a full FIFO (EAGAIN) already holds a wake-up for it.
    peer->bellFd = open(peer->bellPath.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (peer->bellFd < 0) return;
  }
  const char byte = 1;
  ssize_t n;
  do {
    n = write(peer->bellFd, &byte, 1);
  } while (n < 0 && errno == EINTR);
}

void wakeIfSleeping(Peer* peer) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::atomic<uint32_t>& sleeping = peer->segment.control()->sleeping;
  if (sleeping.load(std::memory_order_relaxed) != 0 && sleeping.exchange(0, std::memory_order_seq_cst) != 0) {
    ringBell(peer);
  }
}

// ---------------------------------------------------------------------------------------
// create(segmentPath, bellPath, slots, ringBytes) -> endpoint

napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  auto* ep = new Endpoint();
  uint32_t slots = 0, ringBytes = 0;
  if (argc < 4 || !getString(env, argv[0], &ep->segmentPath) || !getString(env, argv[1], &ep->bellPath) ||
      !getUint32(env, argv[2], &slots) || !getUint32(env, argv[3], &ringBytes) || slots == 0 ||
      ringBytes < 4096 || (ringBytes & (ringBytes - 1)) != 0) {
    delete ep;
    return throwMsg(env, "create(segmentPath, bellPath, slots >= 1, ringBytes a power of two >= 4096)");
  }
  if (mkfifo(ep->bellPath.c_str(), 0600) != 0) {
    delete ep;
    return throwSys(env, "cannot create " + std::string(ep->bellPath));
  }
  int fd = open(ep->segmentPath.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    napi_value err = throwSys(env, "cannot create " + ep->segmentPath);
    unlink(ep->bellPath.c_str());
    delete ep;
    return err;
  }
  // A sparse file: tmpfs gives a page memory only when it is first written, so the rings of
  // pairs that never talk cost nothing.
  size_t bytes = segmentBytes(slots, ringBytes);
  if (ftruncate(fd, off_t(bytes)) != 0 || !mapFile(fd, bytes, &ep->own)) {
    napi_value err = throwSys(env, "cannot size or map " + ep->segmentPath);
    close(fd);
    unlink(ep->segmentPath.c_str());
    unlink(ep->bellPath.c_str());
    delete ep;
    return err;
  }
  close(fd);
  ep->own.slots = slots;
  ep->own.ringBytes = ringBytes;
  Control* c = ep->own.control();
  c->slots = slots;
  c->ringBytes = ringBytes;
  c->pid = int32_t(getpid());
  c->version = kVersion;
  std::atomic_thread_fence(std::memory_order_release);
  c->magic = kMagic;
  ep->partial.resize(slots);
  napi_value result;
  if (napi_create_external(env, ep, finalizeEndpoint, nullptr, &result) != napi_ok) {
    finalizeEndpoint(env, ep, nullptr);
    return throwMsg(env, "cannot wrap the endpoint");
  }
  return result;
}

// setPeers(endpoint, mySlot, ranks: number[], segmentPaths: string[], bellPaths: string[])
napi_value SetPeers(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 5) return throwMsg(env, "setPeers(endpoint, slot, ranks, segmentPaths, bellPaths)");
  Endpoint* ep = getEndpoint(env, argv[0]);
  if (ep == nullptr) return nullptr;
  uint32_t slot = 0, n = 0;
  if (!getUint32(env, argv[1], &slot)) return throwMsg(env, "slot must be an integer");
  CHECK(env, napi_get_array_length(env, argv[2], &n));
  if (n != ep->own.slots || slot >= n) return throwMsg(env, "the peer list must have one entry per slot");
  ep->slot = slot;
  ep->peers.assign(n, Peer());
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    uint32_t rank = 0;
    CHECK(env, napi_get_element(env, argv[2], i, &v));
    if (!getUint32(env, v, &rank)) return throwMsg(env, "ranks must be integers");
    ep->peers[i].rank = int32_t(rank);
    CHECK(env, napi_get_element(env, argv[3], i, &v));
    if (!getString(env, v, &ep->peers[i].segmentPath)) return throwMsg(env, "segment paths must be strings");
    CHECK(env, napi_get_element(env, argv[4], i, &v));
    if (!getString(env, v, &ep->peers[i].bellPath)) return throwMsg(env, "bell paths must be strings");
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// write(endpoint, slot, frames: Buffer[], offset, spinNs) -> true (all written, or the peer
// has ended) | the offset reached (the ring is full; writerWaiting is set, the bell will ring)

struct Piece {
  const uint8_t* ptr;
  uint64_t length;
};

// Copies `n` bytes of the record stream from `offset` into the ring at `head`.
void copyIn(const std::vector<Piece>& pieces, uint64_t offset, uint64_t n, uint8_t* ring, uint64_t mask, uint64_t head) {
  size_t i = 0;
  uint64_t start = 0;
  while (i < pieces.size() && start + pieces[i].length <= offset) start += pieces[i++].length;
  while (n > 0) {
    uint64_t inPiece = offset - start;
    uint64_t take = std::min(n, pieces[i].length - inPiece);
    const uint8_t* src = pieces[i].ptr + inPiece;
    uint64_t pos = head & mask;
    uint64_t first = std::min(take, mask + 1 - pos);
    if (src != nullptr) {
      memcpy(ring + pos, src, first);
      if (take > first) memcpy(ring, src + first, take - first);
    }
    head += take;
    offset += take;
    n -= take;
    if (offset == start + pieces[i].length) start += pieces[i++].length;
  }
}

napi_value Write(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Endpoint* ep = getEndpoint(env, argv[0]);
  if (ep == nullptr) return nullptr;
  uint32_t slot = 0, count = 0;
  double offsetD = 0, spinD = 0;
  if (!getUint32(env, argv[1], &slot) || slot >= ep->peers.size()) return throwMsg(env, "write: bad slot");
  CHECK(env, napi_get_array_length(env, argv[2], &count));
  CHECK(env, napi_get_value_double(env, argv[3], &offsetD));
  CHECK(env, napi_get_value_double(env, argv[4], &spinD));
  if (count == 0 || count > kMaxFrames) return throwMsg(env, "write: a message has 1 to 256 frames");
  napi_value done;
  CHECK(env, napi_get_boolean(env, true, &done));
  Peer* peer = &ep->peers[slot];
  if (peer->gone) return done;
  if (peer->segment.base == nullptr && !mapPeer(peer)) {
    if (errno == ENOENT) {
      // The rank has ended and removed its segment: like a message to an exited process over
      // a socket, nobody will ever receive it.
      peer->gone = true;
      return done;
    }
    return throwSys(env, "cannot map the segment of rank " + std::to_string(peer->rank) + " (" + peer->segmentPath + ")");
  }
  Control* control = peer->segment.control();
  if (control->closed.load(std::memory_order_acquire) != 0) return done;
  if (ep->slot >= peer->segment.slots) return throwMsg(env, "write: this rank has no ring in the peer's segment");

  uint8_t header[8 + 8 * kMaxFrames];
  std::vector<Piece> pieces(count + 2);
  uint32_t frames = count;
  memcpy(header, &frames, 4);
  memset(header + 4, 0, 4);
  uint64_t total = 8 + 8 * uint64_t(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    void* data = nullptr;
    size_t length = 0;
    CHECK(env, napi_get_element(env, argv[2], i, &v));
    if (napi_get_buffer_info(env, v, &data, &length) != napi_ok) return throwMsg(env, "write: frames must be Buffers");
    uint64_t len64 = length;
    memcpy(header + 8 + 8 * i, &len64, 8);
    pieces[i + 1] = Piece{static_cast<const uint8_t*>(data), len64};
    total += length;
  }
  uint64_t headerBytes = 8 + 8 * uint64_t(count);
  pieces[0] = Piece{header, headerBytes};
  uint64_t padded = align8(total);
  pieces[count + 1] = Piece{nullptr, padded - total};  // padding: nothing to copy
  total = padded;

  Spin spin(spinD);
  RingHeader* ring = peer->segment.ring(ep->slot);
  uint8_t* data = peer->segment.data(ep->slot);
  const uint64_t capacity = peer->segment.ringBytes;
  const uint64_t mask = capacity - 1;
  const uint64_t chunk = capacity / 4;
  uint64_t offset = uint64_t(offsetD);
  uint64_t head = ring->head.load(std::memory_order_relaxed);
  uint64_t deadline = 0;
  while (offset < total) {
    uint64_t free = capacity - (head - ring->tail.load(std::memory_order_acquire));
    if (offset == 0 && free < headerBytes) free = 0;  // a record's header is published whole
    if (free == 0) {
      if (spin.budget > 0) {
        uint64_t now = nowNs();
        if (deadline == 0) deadline = now + spin.budget;
        if (now < deadline) {
          spin.relax();
          continue;
        }
      }
      ring->writerWaiting.store(1, std::memory_order_seq_cst);
      free = capacity - (head - ring->tail.load(std::memory_order_seq_cst));
      if (offset == 0 && free < headerBytes) free = 0;
      if (free == 0) {
        if (control->closed.load(std::memory_order_acquire) != 0) return done;
        napi_value at;
        CHECK(env, napi_create_double(env, double(offset), &at));
        return at;
      }
      continue;
    }
    uint64_t n = std::min(std::min(free, total - offset), chunk);
    if (offset == 0 && n < headerBytes) n = std::min(free, total);
    copyIn(pieces, offset, n, data, mask, head);
    head += n;
    offset += n;
    ring->head.store(head, std::memory_order_release);
    wakeIfSleeping(peer);
  }
  return done;
}

// ---------------------------------------------------------------------------------------
// poll(endpoint, spinNs, spare?, spareFrames?) -> [batch, [rank, header, [packets...]], ...] | undefined
// `spare`: a batch Buffer the caller no longer references, written again when large enough;
// `spareFrames`: an array of frame Buffers of earlier large messages likewise (see fillBuffer).

// Small messages of one poll are gathered in `stage` and handed over as one Buffer (a Node
// Buffer per frame costs about a microsecond; a view on a shared one a tenth of that); larger
// ones get a Buffer per frame, filled in place.
constexpr uint64_t kBatchRecordBytes = 64 * 1024;

struct Reader {
  napi_env env;
  Endpoint* ep;
  napi_value results;
  uint32_t count = 0;  // messages taken, batched or not
  uint32_t large = 0;  // of which handed over with their own buffers (results[1...])
  uint64_t bytes = 0;
  bool failed = false;
  std::vector<uint32_t>& meta;  // per batched message: rank, frames, (offset, length) per frame
  std::vector<uint8_t>& stage;  // their frames, each at an 8-byte aligned offset
  std::vector<uint8_t>& blocked;  // slots that handed over a large message in this poll
  napi_value spares = nullptr;     // the caller's spare frame Buffers (an array), or none
  uint32_t spareCount = 0;
};

// A Buffer for a large frame of `length` bytes: one of the caller's spares of exactly that
// length (taken out of its array, which then holds undefined there), else a new one. A loop
// that receives arrays of one size and copies them out gets the same memory back each time.
napi_status fillBuffer(Reader* r, size_t length, void** data, napi_value* result) {
  napi_env env = r->env;
  for (uint32_t i = 0; i < r->spareCount; i++) {
    napi_value v;
    bool isBuffer = false;
    if (napi_get_element(env, r->spares, i, &v) != napi_ok || napi_is_buffer(env, v, &isBuffer) != napi_ok || !isBuffer) continue;
    void* p = nullptr;
    size_t bytes = 0;
    if (napi_get_buffer_info(env, v, &p, &bytes) != napi_ok || bytes != length) continue;
    napi_value none;
    if (napi_get_undefined(env, &none) != napi_ok || napi_set_element(env, r->spares, i, none) != napi_ok) break;
    *data = p;
    *result = v;
    return napi_ok;
  }
  return createFillBuffer(env, length, data, result);
}

void copyOut(const uint8_t* ring, uint64_t mask, uint64_t tail, uint8_t* dst, uint64_t n) {
  uint64_t pos = tail & mask;
  uint64_t first = std::min(n, mask + 1 - pos);
  memcpy(dst, ring + pos, first);
  if (n > first) memcpy(dst + first, ring, n - first);
}

bool deliver(Reader* r, uint32_t slot, napi_value* frames, uint32_t count) {
  napi_env env = r->env;
  napi_value message, rank, packets;
  if (napi_create_array_with_length(env, 3, &message) != napi_ok) return false;
  if (napi_create_int32(env, r->ep->peers.empty() ? int32_t(slot) : r->ep->peers[slot].rank, &rank) != napi_ok) return false;
  if (napi_create_array_with_length(env, count - 1, &packets) != napi_ok) return false;
  for (uint32_t i = 1; i < count; i++) {
    if (napi_set_element(env, packets, i - 1, frames[i]) != napi_ok) return false;
  }
  if (napi_set_element(env, message, 0, rank) != napi_ok || napi_set_element(env, message, 1, frames[0]) != napi_ok ||
      napi_set_element(env, message, 2, packets) != napi_ok) {
    return false;
  }
  r->count++;
  return napi_set_element(env, r->results, 1 + r->large++, message) == napi_ok;
}

// Appends a whole small record (header already read) to the poll's batch.
void stageRecord(Reader* r, uint32_t slot, const uint8_t* data, uint64_t mask, uint64_t at, const std::vector<uint64_t>& lengths) {
  r->meta.push_back(uint32_t(r->ep->peers.empty() ? slot : r->ep->peers[slot].rank));
  r->meta.push_back(uint32_t(lengths.size()));
  for (uint64_t length : lengths) {
    uint64_t offset = align8(r->stage.size());
    r->stage.resize(offset + length);
    if (length > 0) copyOut(data, mask, at, r->stage.data() + offset, length);
    at += length;
    r->meta.push_back(uint32_t(offset));
    r->meta.push_back(uint32_t(length));
  }
  r->count++;
}

void fail(Reader* r, const std::string& message) {
  if (!r->failed) napi_throw_error(r->env, "ERR_SHM", message.c_str());
  r->failed = true;
}

// Takes what has arrived in one ring; true if any byte was consumed.
bool drainRing(Reader* r, uint32_t slot) {
  Endpoint* ep = r->ep;
  RingHeader* ring = ep->own.ring(slot);
  const uint8_t* data = ep->own.data(slot);
  const uint64_t mask = uint64_t(ep->own.ringBytes) - 1;
  uint64_t tail = ring->tail.load(std::memory_order_relaxed);
  const uint64_t start = tail;
  Partial& p = ep->partial[slot];
  napi_env env = r->env;
  while (r->count < kMaxMessagesPerPoll && r->bytes < kMaxBytesPerPoll && r->blocked[slot] == 0) {
    uint64_t avail = ring->head.load(std::memory_order_acquire) - tail;
    if (avail == 0) break;
    if (!p.active) {
      if (avail < 8) break;
      uint32_t frames = 0;
      copyOut(data, mask, tail, reinterpret_cast<uint8_t*>(&frames), 4);
      if (frames == 0 || frames > kMaxFrames) {
        fail(r, "corrupt record in the ring of rank " + std::to_string(ep->peers.empty() ? -1 : ep->peers[slot].rank) +
                    ": " + std::to_string(frames) + " frames");
        return false;
      }
      uint64_t headerBytes = 8 + 8 * uint64_t(frames);
      if (avail < headerBytes) break;  // cannot happen: headers are published whole
      std::vector<uint64_t> lengths(frames);
      uint64_t body = 0;
      for (uint32_t i = 0; i < frames; i++) {
        copyOut(data, mask, tail + 8 + 8 * i, reinterpret_cast<uint8_t*>(&lengths[i]), 8);
        body += lengths[i];
      }
      uint64_t record = align8(headerBytes + body);
      if (avail >= record && record <= kBatchRecordBytes) {
        stageRecord(r, slot, data, mask, tail + headerBytes, lengths);
        tail += record;
        r->bytes += record;
        continue;
      }
      if (avail >= record) {
        // Whole: copy straight into new buffers, no bookkeeping.
        std::vector<napi_value> values(frames);
        uint64_t at = tail + headerBytes;
        for (uint32_t i = 0; i < frames; i++) {
          void* dst = nullptr;
          if (fillBuffer(r, lengths[i], &dst, &values[i]) != napi_ok) {
            fail(r, "cannot allocate a receive buffer of " + std::to_string(lengths[i]) + " bytes");
            return false;
          }
          if (lengths[i] > 0) copyOut(data, mask, at, static_cast<uint8_t*>(dst), lengths[i]);
          at += lengths[i];
        }
        tail += record;
        r->bytes += record;
        if (!deliver(r, slot, values.data(), frames)) {
          fail(r, "cannot hand a message over");
          return false;
        }
        // Later messages of this ring go in the next poll: batched ones are handed over
        // first, and must not overtake this one.
        r->blocked[slot] = 1;
        break;
      }
      p.active = true;
      p.frames = frames;
      p.frame = 0;
      p.frameOffset = 0;
      p.left = record - headerBytes;
      p.refs.assign(frames, nullptr);
      p.ptrs.assign(frames, nullptr);
      p.lengths = lengths;
      for (uint32_t i = 0; i < frames; i++) {
        void* dst = nullptr;
        napi_value value;
        if (fillBuffer(r, lengths[i], &dst, &value) != napi_ok ||
            napi_create_reference(env, value, 1, &p.refs[i]) != napi_ok) {
          fail(r, "cannot allocate a receive buffer of " + std::to_string(lengths[i]) + " bytes");
          return false;
        }
        p.ptrs[i] = static_cast<uint8_t*>(dst);
      }
      tail += headerBytes;
      avail -= headerBytes;
      if (avail == 0) break;
    }
    // Continue a message that is arriving in pieces.
    while (avail > 0 && p.frame < p.frames) {
      uint64_t take = std::min(avail, p.lengths[p.frame] - p.frameOffset);
      if (take > 0) copyOut(data, mask, tail, p.ptrs[p.frame] + p.frameOffset, take);
      tail += take;
      avail -= take;
      p.left -= take;
      r->bytes += take;
      p.frameOffset += take;
      if (p.frameOffset == p.lengths[p.frame]) {
        p.frame++;
        p.frameOffset = 0;
      }
    }
    if (p.frame < p.frames) break;
    if (avail < p.left) break;  // the padding is still on its way
    tail += p.left;
    std::vector<napi_value> values(p.frames);
    for (uint32_t i = 0; i < p.frames; i++) {
      napi_get_reference_value(env, p.refs[i], &values[i]);
    }
    bool ok = deliver(r, slot, values.data(), p.frames);
    for (napi_ref ref : p.refs) napi_delete_reference(env, ref);
    p.refs.clear();
    p.ptrs.clear();
    p.active = false;
    if (!ok) {
      fail(r, "cannot hand a message over");
      return false;
    }
    r->blocked[slot] = 1;
  }
  if (tail == start) return false;
  ring->tail.store(tail, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (ring->writerWaiting.load(std::memory_order_relaxed) != 0 &&
      ring->writerWaiting.exchange(0, std::memory_order_seq_cst) != 0 && !ep->peers.empty()) {
    ringBell(&ep->peers[slot]);
  }
  return true;
}

napi_value Poll(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Endpoint* ep = getEndpoint(env, argv[0]);
  if (ep == nullptr) return nullptr;
  double spinD = 0;
  if (argc > 1) CHECK(env, napi_get_value_double(env, argv[1], &spinD));
  Spin spin(spinD);
  // Awake: writers need not ring.
  ep->own.control()->sleeping.store(0, std::memory_order_relaxed);
  ep->meta.clear();
  ep->stage.clear();
  ep->blocked.assign(ep->own.slots, 0);
  Reader r{env, ep, nullptr, 0, 0, 0, false, ep->meta, ep->stage, ep->blocked};
  bool isArray = false;
  if (argc > 3 && napi_is_array(env, argv[3], &isArray) == napi_ok && isArray &&
      napi_get_array_length(env, argv[3], &r.spareCount) == napi_ok) {
    r.spares = argv[3];
  }
  CHECK(env, napi_create_array(env, &r.results));
  uint64_t deadline = 0;
  const uint32_t slots = ep->own.slots;
  for (;;) {
    bool progress = false;
    for (uint32_t s = 0; s < slots; s++) {
      if (s == ep->slot) continue;
      if (drainRing(&r, s)) progress = true;
      if (r.failed) return nullptr;
    }
    if (r.count >= kMaxMessagesPerPoll || r.bytes >= kMaxBytesPerPoll) break;
    if (progress) continue;
    if (r.count > 0 || spin.budget == 0) break;
    uint64_t now = nowNs();
    if (deadline == 0) deadline = now + spin.budget;
    if (now >= deadline) break;
    spin.relax();
  }
  if (r.count == 0) return nullptr;
  napi_value batch;
  if (r.meta.empty()) {
    CHECK(env, napi_get_undefined(env, &batch));
  } else {
    // [u32 count][meta][padding to 8][frames]; meta offsets become offsets in this buffer.
    uint32_t batched = r.count - r.large;
    uint64_t metaBytes = align8(4 + 4 * uint64_t(r.meta.size()));
    uint64_t total = metaBytes + r.stage.size();
    uint8_t* dst = nullptr;
    // The caller's spare buffer (a batch it has finished with) when it is large enough.
    bool isBuffer = false;
    if (argc > 2 && napi_is_buffer(env, argv[2], &isBuffer) == napi_ok && isBuffer) {
      void* spare = nullptr;
      size_t spareBytes = 0;
      if (napi_get_buffer_info(env, argv[2], &spare, &spareBytes) == napi_ok && spareBytes >= total) {
        dst = static_cast<uint8_t*>(spare);
        batch = argv[2];
      }
    }
    if (dst == nullptr && napi_create_buffer(env, total, reinterpret_cast<void**>(&dst), &batch) != napi_ok) {
      return throwMsg(env, "cannot allocate a receive buffer of " + std::to_string(total) + " bytes");
    }
    for (size_t i = 0; i < r.meta.size();) {
      uint32_t frames = r.meta[i + 1];
      for (uint32_t f = 0; f < frames; f++) r.meta[i + 2 + 2 * f] += uint32_t(metaBytes);
      i += 2 + 2 * size_t(frames);
    }
    memcpy(dst, &batched, 4);
    memcpy(dst + 4, r.meta.data(), 4 * r.meta.size());
    if (!r.stage.empty()) memcpy(dst + metaBytes, r.stage.data(), r.stage.size());
  }
  CHECK(env, napi_set_element(env, r.results, 0, batch));
  return r.results;
}

// arm(endpoint) -> true when something arrived meanwhile (poll again), false: the bell will ring.
napi_value Arm(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Endpoint* ep = getEndpoint(env, argv[0]);
  if (ep == nullptr) return nullptr;
  Control* c = ep->own.control();
  c->sleeping.store(1, std::memory_order_seq_cst);
  bool pending = false;
  for (uint32_t s = 0; s < ep->own.slots && !pending; s++) {
    RingHeader* ring = ep->own.ring(s);
    pending = ring->head.load(std::memory_order_seq_cst) != ring->tail.load(std::memory_order_relaxed);
  }
  if (pending) c->sleeping.store(0, std::memory_order_relaxed);
  napi_value result;
  CHECK(env, napi_get_boolean(env, pending, &result));
  return result;
}

void closeEndpoint(napi_env env, Endpoint* ep) {
  if (ep->closed) return;
  ep->closed = true;
  if (ep->own.base != nullptr) {
    Control* c = ep->own.control();
    c->closed.store(1, std::memory_order_seq_cst);
    // Writers blocked on a full ring here would wait for space that never comes: wake them,
    // they see `closed` and let their message go.
    for (uint32_t s = 0; s < ep->own.slots && s < ep->peers.size(); s++) {
      if (ep->own.ring(s)->writerWaiting.exchange(0) != 0) ringBell(&ep->peers[s]);
    }
  }
  for (Partial& p : ep->partial) {
    if (env != nullptr) {
      for (napi_ref ref : p.refs) {
        if (ref != nullptr) napi_delete_reference(env, ref);
      }
    }
    p.refs.clear();
  }
  for (Peer& peer : ep->peers) {
    peer.segment.unmap();
    if (peer.bellFd >= 0) close(peer.bellFd);
    peer.bellFd = -1;
  }
  ep->own.unmap();
  unlink(ep->segmentPath.c_str());
  unlink(ep->bellPath.c_str());
}

void finalizeEndpoint(napi_env env, void* data, void*) {
  auto* ep = static_cast<Endpoint*>(data);
  closeEndpoint(env, ep);
  delete ep;
}

// close(endpoint): marks this rank's segment closed, unmaps everything, removes its files.
napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void* data = nullptr;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == nullptr) return nullptr;
  closeEndpoint(env, static_cast<Endpoint*>(data));
  return nullptr;
}

// bindToCpu(index) -> the CPU bound to, or -1: binds every thread of this process to the
// index-th CPU it may run on (MPI's --bind-to core). Two polling ranks left to the scheduler
// often share one CPU for a while after a wake-up, and each then waits out the other's
// polling budget; bound, each keeps its own.
napi_value BindToCpu(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  uint32_t index = 0;
  if (argc < 1 || !getUint32(env, argv[0], &index)) return throwMsg(env, "bindToCpu(index)");
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  int cpu = -1;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    uint32_t seen = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
      if (CPU_ISSET(c, &allowed) && seen++ == index) {
        cpu = c;
        break;
      }
    }
  }
  if (cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    // Every thread already running (V8's platform workers, libuv's pool once started);
    // threads started later inherit the binding of the thread that starts them.
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == nullptr) {
      cpu = sched_setaffinity(0, sizeof(one), &one) == 0 ? cpu : -1;
    } else {
      while (dirent* e = readdir(tasks)) {
        if (e->d_name[0] == '.') continue;
        sched_setaffinity(pid_t(atoi(e->d_name)), sizeof(one), &one);
      }
      closedir(tasks);
    }
  }
  napi_value result;
  CHECK(env, napi_create_int32(env, cpu, &result));
  return result;
}

// ---------------------------------------------------------------------------------------
// mapShared(path, bytes) -> ArrayBuffer over the file `path` (created 0600 if missing, grown
// to `bytes` if shorter, never shrunk), mapped shared: every process mapping the same file
// sees the same memory (host collectives; shared arrays). Unmapped when the ArrayBuffer is
// collected; the file stays until someone removes it.
void unmapArrayBuffer(napi_env, void* data, void* hint) {
  munmap(data, reinterpret_cast<size_t>(hint));
}

// The (path, bytes) arguments of mapShared and reserve, bytes at least `least`; false after
// throwing `usage` when they are not.
bool getPathAndBytes(napi_env env, napi_callback_info info, double least, const char* usage, std::string* file, size_t* bytes) {
  size_t argc = 2;
  napi_value argv[2];
  double bytesD = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 2 || !getString(env, argv[0], file) ||
      napi_get_value_double(env, argv[1], &bytesD) != napi_ok || !(bytesD >= least) || bytesD > double(1ull << 46)) {
    throwMsg(env, usage);
    return false;
  }
  *bytes = size_t(bytesD);
  return true;
}

napi_value MapShared(napi_env env, napi_callback_info info) {
  std::string file;
  size_t bytes = 0;
  if (!getPathAndBytes(env, info, 1, "mapShared(path, bytes >= 1)", &file, &bytes)) return nullptr;
  int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return throwSys(env, "cannot open " + file);
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t(st.st_size) < bytes && ftruncate(fd, off_t(bytes)) != 0)) {
    int e = errno;
    close(fd);
    errno = e;
    return throwSys(env, "cannot size " + file + " to " + std::to_string(bytes) + " bytes");
  }
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd);
  if (base == MAP_FAILED) {
    errno = e;
    return throwSys(env, "cannot map " + file);
  }
  napi_value result;
  if (napi_create_external_arraybuffer(env, base, bytes, unmapArrayBuffer, reinterpret_cast<void*>(bytes), &result) != napi_ok) {
    munmap(base, bytes);
    return throwMsg(env, "cannot wrap the mapping of " + file + " in an ArrayBuffer");
  }
  return result;
}

// reserve(path, bytes): gives the first `bytes` of the file memory now (posix_fallocate). A
// tmpfs file grown by ftruncate is sparse: without this, a host short of memory would answer
// the first write to a page with SIGBUS, killing the rank far from the call that asked for
// the memory; reserved, the same shortage is an error of that call (shared arrays).
napi_value Reserve(napi_env env, napi_callback_info info) {
  std::string file;
  size_t bytes = 0;
  if (!getPathAndBytes(env, info, 0, "reserve(path, bytes >= 0)", &file, &bytes)) return nullptr;
  if (bytes == 0) return nullptr;
  int fd = open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return throwSys(env, "cannot open " + file);
  int e = posix_fallocate(fd, 0, off_t(bytes));
  close(fd);
  if (e != 0) {
    errno = e;
    return throwSys(env, "cannot reserve " + std::to_string(uint64_t(bytes)) + " bytes for " + file);
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setPeers", nullptr, SetPeers, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"write", nullptr, Write, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poll", nullptr, Poll, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"arm", nullptr, Arm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bindToCpu", nullptr, BindToCpu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mapShared", nullptr, MapShared, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allocate", nullptr, Allocate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reserve", nullptr, Reserve, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value version;
  napi_create_uint32(env, kVersion, &version);
  napi_set_named_property(env, exports, "version", version);
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(tsmpi_shm, Init)
