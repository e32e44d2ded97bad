// Reads a BPF ring buffer with its data pages mapped once. libbpf maps the data area twice, so
// that a record wrapping past the end reads as one piece; the kernel maps every page of a ring
// buffer mapping up front, so an 8 MiB ring counted 16 MiB in netscope's RSS. A record that
// wraps is copied here in two pieces instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

class RingReader {
 public:
  // Maps the ring buffer map `map_fd` whose data area is `data_size` bytes (a power of two);
  // null with errno set when it cannot be mapped.
  static std::unique_ptr<RingReader> Open(int map_fd, size_t data_size);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Copies whole records of `record_size` bytes into `out` until the ring is empty or `out` has
  // no room for another, and returns how many; a record the kernel discarded, or of another
  // size, is passed over. A record that does not fit stays in the ring for the next call.
  uint32_t Consume(uint8_t* out, size_t capacity, size_t record_size);

 private:
  RingReader(void* consumer_page, void* producer_and_data, size_t page_size, size_t data_size);
  void CopyRecord(uint8_t* out, uint64_t position, size_t length) const;

  void* consumer_page_;
  void* producer_and_data_;
  size_t page_size_;
  size_t data_size_;
  uint64_t* consumer_position_;
  const uint64_t* producer_position_;
  const uint8_t* data_;
};
