// write_tiny_tokenizer_files: the tokenizer of the tiny test checkpoint (`remedi-eval
// make-tiny-model`, MODEL.md §7). A byte-level BPE vocabulary small enough to read, laid out like
// LLaDA's: ids 0..255 are the 256 byte tokens (GPT-2 byte alphabet, id = byte value), then the
// merges learned here, then nothing until the special tokens at their real LLaDA ids.
//
// The merges come from a tiny BPE trainer run on the built-in corpus below (Sennrich et al. 2016:
// repeatedly merge the most frequent adjacent pair; ties broken by the pair's strings so the result
// is deterministic on every platform). Words are pre-tokenized with exactly the pre-tokenizer the
// file declares, so training and encoding agree.
#include <map>
#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/engine/tokenizer.h"
#include "tokenizer_internal.h"

namespace remedi::engine {
namespace {

// Llama-3's pre-tokenizer regex (meta-llama/llama3 tokenizer.py pat_str), as LLaDA-style files
// carry it in a Split pre-tokenizer ahead of a regex-free ByteLevel.
constexpr const char* kSplitRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// The LLaDA special tokens at their checkpoint ids (MODEL.md §1 and §3).
const std::vector<std::pair<int32_t, const char*>> kSpecials = {
    {126080, "<|startoftext|>"},     {126081, "<|endoftext|>"},     {126336, "<|mdm_mask|>"},
    {126346, "<|start_header_id|>"}, {126347, "<|end_header_id|>"}, {126348, "<|eot_id|>"},
};

// LLaDA-8B-Instruct's chat template (tokenizer_config.json), rendered by apply_chat_template().
constexpr const char* kChatTemplate =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + "
    "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant"
    "<|end_header_id|>\n\n' }}{% endif %}";

// Training text: short English prose in the style of the benchmark questions, and some Python.
constexpr const char* kCorpus = R"(The quick brown fox jumps over the lazy dog. The dog was not amused.
Question: Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.
How many clips did Natalia sell altogether in April and May? Let's think step by step.
In April she sold 48 clips. In May she sold 48 / 2 = 24 clips. Altogether she sold 48 + 24 = 72 clips.
The answer is 72.
Question: Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting.
How much did she earn? Weng earns 12 / 60 = $0.2 per minute. Working 50 minutes, she earned 0.2 x 50 = $10.
The answer is 10.
A language model predicts the next token of a text. A diffusion language model starts from a sequence
of masked tokens and unmasks them step by step, and it may remask a token when it is not confident.
The model reads the whole block at once, so every position can see every other position in the block.
We evaluate the model on math, code and general knowledge, and we report the accuracy of each task.
Please answer the following question. Think about the problem carefully, then write the final answer.
What is the capital of France? The capital of France is Paris. What is the largest planet? Jupiter.
def add(a, b):
    """Return the sum of a and b."""
    return a + b


def fibonacci(n):
    if n < 2:
        return n
    return fibonacci(n - 1) + fibonacci(n - 2)


class Counter:
    def __init__(self):
        self.count = 0

    def increment(self, step=1):
        self.count += step
        return self.count


for i in range(10):
    print(i, fibonacci(i))

def is_prime(n):
    if n < 2:
        return False
    for d in range(2, int(n ** 0.5) + 1):
        if n % d == 0:
            return False
    return True

numbers = [x for x in range(100) if is_prime(x)]
assert len(numbers) == 25
result = {"name": "remedi", "steps": 32, "block": 32, "tokens": [1, 2, 3]}
if __name__ == "__main__":
    print("hello, world")
The training data contains text from the web, books, code and mathematics. The tokens of the text are
learned from data; the most frequent pairs of bytes are merged first, then pairs of merged tokens.
Thank you for your help! You are welcome. Let me know if there is anything else I can do for you.
)";

struct Trained {
  std::vector<std::string> tokens;                      // id → token (byte-level form)
  std::vector<std::pair<std::string, std::string>> merges;
};

Trained train(int n_merges, const tok::PreTokenizer& pre) {
  Trained t;
  const auto& bytes = tok::byte_to_unicode();
  std::map<std::string, int32_t> id_of;
  for (int b = 0; b < 256; ++b) {
    t.tokens.push_back(bytes[b]);
    id_of[bytes[b]] = b;
  }
  // Word counts; std::map so the iteration order (and hence everything below) is fixed.
  tok::Pieces pieces{kCorpus};
  pre.apply(pieces);
  std::map<std::string, int> counts;
  for (auto& p : pieces) ++counts[p];
  std::vector<std::pair<std::vector<int32_t>, int>> words;  // (symbols, count)
  for (auto& [w, c] : counts) {
    std::vector<int32_t> syms;
    for (size_t i = 0; i < w.size();) {
      size_t len = 0;
      tok::utf8_decode(w, i, &len);
      syms.push_back(id_of.at(w.substr(i, len)));
      i += len;
    }
    words.emplace_back(std::move(syms), c);
  }
  for (int m = 0; m < n_merges; ++m) {
    std::map<std::pair<int32_t, int32_t>, int> pair_counts;
    for (auto& [syms, c] : words)
      for (size_t i = 0; i + 1 < syms.size(); ++i) pair_counts[{syms[i], syms[i + 1]}] += c;
    const std::pair<int32_t, int32_t>* best = nullptr;
    int best_count = 0;
    for (auto& [pr, c] : pair_counts) {
      if (c > best_count ||
          (c == best_count && std::tie(t.tokens[pr.first], t.tokens[pr.second]) <
                                  std::tie(t.tokens[best->first], t.tokens[best->second]))) {
        best = &pr, best_count = c;
      }
    }
    if (!best) break;  // every word is a single token
    const auto [a, b] = *best;
    const std::string joined = t.tokens[a] + t.tokens[b];
    int32_t id;
    if (auto it = id_of.find(joined); it != id_of.end()) {
      id = it->second;
    } else {
      id = static_cast<int32_t>(t.tokens.size());
      t.tokens.push_back(joined);
      id_of[joined] = id;
    }
    t.merges.emplace_back(t.tokens[a], t.tokens[b]);
    for (auto& [syms, c] : words) {
      std::vector<int32_t> out;
      out.reserve(syms.size());
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == a && syms[i + 1] == b) {
          out.push_back(id);
          ++i;
        } else {
          out.push_back(syms[i]);
        }
      }
      syms = std::move(out);
    }
  }
  return t;
}

}  // namespace

void write_tiny_tokenizer_files(const std::string& dir) {
  using json = nlohmann::ordered_json;
  const json pre = {{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "Split"}, {"pattern", {{"Regex", kSplitRegex}}}, {"behavior", "Isolated"}, {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}};
  const auto pre_tok = tok::make_pre_tokenizer(nlohmann::json::parse(pre.dump()), "tiny tokenizer");
  const Trained t = train(kTinyTokenizerMerges, *pre_tok);

  json vocab = json::object();
  for (size_t i = 0; i < t.tokens.size(); ++i) vocab[t.tokens[i]] = static_cast<int32_t>(i);
  // The specials are in the vocab too: HF numbers an added token that is not in model.vocab
  // len(vocab), len(vocab)+1, ... whatever id the file declares, and we need the real ids.
  for (const auto& [id, content] : kSpecials) vocab[content] = id;
  json merges = json::array();
  for (const auto& [a, b] : t.merges) merges.push_back({a, b});
  json added = json::array();
  json added_decoder = json::object();
  for (const auto& [id, content] : kSpecials) {
    json entry = {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
                  {"rstrip", false}, {"normalized", false}, {"special", true}};
    added.push_back(entry);
    entry.erase("id");
    added_decoder[std::to_string(id)] = entry;
  }
  const json tokenizer = {
      {"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added},
      {"normalizer", nullptr}, {"pre_tokenizer", pre}, {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
        {"vocab", vocab}, {"merges", merges}}}};
  const json config = {
      {"add_bos_token", false}, {"add_eos_token", false}, {"added_tokens_decoder", added_decoder},
      {"bos_token", "<|startoftext|>"}, {"eos_token", "<|endoftext|>"}, {"pad_token", "<|endoftext|>"},
      {"chat_template", kChatTemplate}, {"clean_up_tokenization_spaces", false},
      {"model_max_length", 4096}, {"tokenizer_class", "PreTrainedTokenizerFast"}};
  make_dirs(dir);
  write_file_atomic(dir + "/tokenizer.json", tokenizer.dump(1) + "\n");
  write_file_atomic(dir + "/tokenizer_config.json", config.dump(2) + "\n");
}

}  // namespace remedi::engine
