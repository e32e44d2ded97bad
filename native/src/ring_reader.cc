#include "ring_reader.h"

#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace {

// A record's place in the ring: its 8-byte header and length, rounded up to 8 (as the kernel
// reserves it).
uint64_t RecordSpan(uint32_t length) {
  return (static_cast<uint64_t>(length) + BPF_RINGBUF_HDR_SZ + 7) & ~static_cast<uint64_t>(7);
}

}  // namespace

std::unique_ptr<RingReader> RingReader::Open(int map_fd, size_t data_size) {
  size_t page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // The kernel's layout: the consumer's position (the one page user space may write), the
  // producer's position, then the data.
  void* consumer_page = mmap(nullptr, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (consumer_page == MAP_FAILED) return nullptr;
  void* producer_and_data = mmap(nullptr, page_size + data_size, PROT_READ, MAP_SHARED, map_fd, static_cast<off_t>(page_size));
  if (producer_and_data == MAP_FAILED) {
    int error = errno;
    munmap(consumer_page, page_size);
    errno = error;
    return nullptr;
  }
  return std::unique_ptr<RingReader>(new RingReader(consumer_page, producer_and_data, page_size, data_size));
}

RingReader::RingReader(void* consumer_page, void* producer_and_data, size_t page_size, size_t data_size)
    : consumer_page_(consumer_page),
      producer_and_data_(producer_and_data),
      page_size_(page_size),
      data_size_(data_size),
      consumer_position_(static_cast<uint64_t*>(consumer_page)),
      producer_position_(static_cast<const uint64_t*>(producer_and_data)),
      data_(static_cast<const uint8_t*>(producer_and_data) + page_size) {}

RingReader::~RingReader() {
  munmap(producer_and_data_, page_size_ + data_size_);
  munmap(consumer_page_, page_size_);
}

void RingReader::CopyRecord(uint8_t* out, uint64_t position, size_t length) const {
  size_t offset = static_cast<size_t>(position & (data_size_ - 1));
  size_t before_end = data_size_ - offset;
  if (length <= before_end) {
    std::memcpy(out, data_ + offset, length);
    return;
  }
  std::memcpy(out, data_ + offset, before_end);
  std::memcpy(out + before_end, data_, length - before_end);
}

uint32_t RingReader::Consume(uint8_t* out, size_t capacity, size_t record_size) {
  uint32_t count = 0;
  size_t used = 0;
  uint64_t consumer = __atomic_load_n(consumer_position_, __ATOMIC_ACQUIRE);
  for (;;) {
    uint64_t producer = __atomic_load_n(producer_position_, __ATOMIC_ACQUIRE);
    if (consumer >= producer) return count;
    while (consumer < producer) {
      // Headers are 8-byte aligned and the data area is whole pages: a header never wraps.
      const uint32_t* header = reinterpret_cast<const uint32_t*>(data_ + (consumer & (data_size_ - 1)));
      uint32_t length_and_bits = __atomic_load_n(header, __ATOMIC_ACQUIRE);
      // Reserved but not yet submitted: everything after it waits too.
      if (length_and_bits & BPF_RINGBUF_BUSY_BIT) return count;
      uint32_t length = length_and_bits & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      bool wanted = (length_and_bits & BPF_RINGBUF_DISCARD_BIT) == 0 && length == record_size;
      if (wanted) {
        if (capacity - used < record_size) return count;
        CopyRecord(out + used, consumer + BPF_RINGBUF_HDR_SZ, length);
        used += length;
        count++;
      }
      consumer += RecordSpan(length);
      __atomic_store_n(consumer_position_, consumer, __ATOMIC_RELEASE);
    }
  }
}
