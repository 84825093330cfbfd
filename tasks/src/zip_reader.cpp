// In-memory zip reader with traditional PKWARE decryption ("ZipCrypto").
// Format: PKWARE APPNOTE.TXT 6.3.x — end of central directory (4.3.16), central directory headers
// (4.3.12), local file headers (4.3.7), traditional encryption (6.1). Deflate via zlib's raw
// inflate (windowBits -15).
#include <cstring>

#include <zlib.h>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/tasks/data_io.h"

namespace remedi::tasks {

namespace {

uint16_t u16(const std::string& d, size_t p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(d[p]) | (static_cast<uint8_t>(d[p + 1]) << 8));
}
uint32_t u32(const std::string& d, size_t p) { return u16(d, p) | (static_cast<uint32_t>(u16(d, p + 2)) << 16); }

// APPNOTE 6.1.5: the three 32-bit keys, updated with each plaintext byte.
class ZipCrypto {
 public:
  explicit ZipCrypto(const std::string& password) {
    for (char c : password) update(static_cast<uint8_t>(c));
  }
  uint8_t decrypt(uint8_t c) {
    uint16_t t = static_cast<uint16_t>(k2_ | 2);
    uint8_t p = c ^ static_cast<uint8_t>((t * (t ^ 1)) >> 8);
    update(p);
    return p;
  }

 private:
  uint32_t k0_ = 0x12345678, k1_ = 0x23456789, k2_ = 0x34567890;
  static uint32_t crc_byte(uint32_t crc, uint8_t b) {
    // one step of CRC-32 (the polynomial zlib uses), as APPNOTE's crc32(pval, char)
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    return crc;
  }
  void update(uint8_t p) {
    k0_ = crc_byte(k0_, p);
    k1_ = (k1_ + (k0_ & 0xff)) * 134775813u + 1;
    k2_ = crc_byte(k2_, static_cast<uint8_t>(k1_ >> 24));
  }
};

}  // namespace

ZipArchive::ZipArchive(const std::string& path) : path_(path) {
  if (!file_exists(path)) throw Error("zip file not found", path, "pass --data-dir or set REMEDI_DATA");
  data_ = read_file(path);
  // End of central directory: signature 0x06054b50, searched backwards over a possible comment.
  if (data_.size() < 22) throw Error("not a zip file (too short)", path);
  size_t eocd = std::string::npos;
  for (size_t p = data_.size() - 22 + 1; p-- > 0 && data_.size() - p <= 22 + 65535;)
    if (u32(data_, p) == 0x06054b50u) {
      eocd = p;
      break;
    }
  if (eocd == std::string::npos) throw Error("not a zip file (no end of central directory)", path);
  uint16_t count = u16(data_, eocd + 10);
  uint32_t cd = u32(data_, eocd + 16);
  size_t p = cd;
  for (uint16_t i = 0; i < count; ++i) {
    if (p + 46 > data_.size() || u32(data_, p) != 0x02014b50u)
      throw Error("corrupt central directory entry " + std::to_string(i), path);
    Entry e;
    e.flags = u16(data_, p + 8);
    e.method = u16(data_, p + 10);
    e.mod_time = u16(data_, p + 12);
    e.crc = u32(data_, p + 16);
    e.csize = u32(data_, p + 20);
    e.usize = u32(data_, p + 24);
    uint16_t n = u16(data_, p + 28), x = u16(data_, p + 30), c = u16(data_, p + 32);
    e.local_offset = u32(data_, p + 42);
    if (p + 46 + n > data_.size()) throw Error("corrupt central directory name", path);
    e.name = data_.substr(p + 46, n);
    entries_.push_back(e);
    p += 46 + n + x + c;
  }
}

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> v;
  for (const auto& e : entries_) v.push_back(e.name);
  return v;
}

bool ZipArchive::contains(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return true;
  return false;
}

std::string ZipArchive::read(const std::string& name, const std::string& password) const {
  const Entry* e = nullptr;
  for (const auto& x : entries_)
    if (x.name == name) e = &x;
  const std::string where = path_ + ":" + name;
  if (!e) throw Error("member not in zip", where);
  size_t lh = e->local_offset;
  if (lh + 30 > data_.size() || u32(data_, lh) != 0x04034b50u) throw Error("corrupt local header", where);
  size_t off = lh + 30 + u16(data_, lh + 26) + u16(data_, lh + 28);
  if (off + e->csize > data_.size()) throw Error("member data runs past the end of the file", where);
  std::string comp = data_.substr(off, e->csize);

  if (e->method == 99) throw Error("AES-encrypted zip members are not supported", where, "extract the CSVs with 7z and pass the folder");
  if (e->flags & 1u) {  // traditional encryption: 12-byte header, then the encrypted data
    if (password.empty())
      throw Error("zip member is encrypted and no password was given", where,
                  "pass --gpqa-password or set REMEDI_GPQA_PASSWORD (the GPQA README publishes it)");
    if (comp.size() < 12) throw Error("encrypted member shorter than its header", where);
    ZipCrypto z(password);
    uint8_t last = 0;
    for (size_t i = 0; i < comp.size(); ++i) {
      uint8_t b = z.decrypt(static_cast<uint8_t>(comp[i]));
      comp[i] = static_cast<char>(b);
      if (i == 11) last = b;
    }
    // APPNOTE 6.1.6: the last header byte is the high byte of the CRC, or of the DOS time when the
    // sizes live in a data descriptor (flag bit 3).
    uint8_t check = (e->flags & 8u) ? static_cast<uint8_t>(e->mod_time >> 8) : static_cast<uint8_t>(e->crc >> 24);
    if (last != check) throw Error("wrong zip password", where, "check --gpqa-password / REMEDI_GPQA_PASSWORD");
    comp.erase(0, 12);
  }
  std::string out;
  if (e->method == 0) {
    out = comp;
  } else if (e->method == 8) {
    out.resize(e->usize);
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw Error("zlib init failed", where);
    zs.next_in = reinterpret_cast<Bytef*>(comp.data());
    zs.avail_in = static_cast<uInt>(comp.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&zs, Z_FINISH);
    size_t produced = out.size() - zs.avail_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || produced != e->usize)
      throw Error("corrupt deflate data (or wrong password)", where, "check the password and the file's sha256");
  } else {
    throw Error("unsupported zip compression method " + std::to_string(e->method), where);
  }
  uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size())));
  if (crc != e->crc) throw Error("CRC mismatch after extraction (wrong password or corrupt zip)", where);
  return out;
}

}  // namespace remedi::tasks
