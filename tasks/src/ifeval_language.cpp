// Language identification for language:response_language and change_case:english_*.
//
// The reference calls langdetect (a naive-Bayes character n-gram model over 55 languages, with a
// random seed). We do not ship that model; this is a documented approximation:
//   1. the script with most letters decides when it belongs to one language of langdetect's set
//      (Hangul -> ko, Thai -> th, Bengali -> bn, Gurmukhi -> pa, Gujarati -> gu, Tamil -> ta,
//      Telugu -> te, Kannada -> kn, Malayalam -> ml, Greek -> el, Hebrew -> he, kana -> ja,
//      Han without kana -> zh-cn);
//   2. shared scripts are split by letters only one language uses plus stop-word counts:
//      Devanagari hi/mr/ne, Arabic script ar/fa/ur, Cyrillic ru/bg/uk/mk, Latin among 18
//      languages (en de fr es pt it nl sv da fi pl sw vi id tr ro cs hu);
//   3. a Latin text with no stop word of any profile falls back to diacritics, then "en".
// It covers every language of the IFEval data (ar bg bn de fa fi gu hi it kn ko mr ne pa pt ru
// sw ta te th ur vi, and en for change_case). Mixed-language text is judged by its majority
// script, as langdetect's n-gram vote mostly is; a text with no letters returns "" (langdetect
// raises, and the reference then counts the instruction as followed).
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "ifeval_internal.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::text {
namespace {
using detail::decode;
using detail::encode;

enum class Script { None, Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Bengali, Gurmukhi,
                    Gujarati, Tamil, Telugu, Kannada, Malayalam, Thai, Hangul, Kana, Han };

Script script_of(char32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return Script::Latin;
  if ((c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF))
    return Script::Latin;
  if (c >= 0x400 && c <= 0x52F) return Script::Cyrillic;
  if ((c >= 0x370 && c <= 0x3FF) || (c >= 0x1F00 && c <= 0x1FFF)) return Script::Greek;
  if ((c >= 0x620 && c <= 0x64A) || (c >= 0x66E && c <= 0x6D3) || (c >= 0x6FA && c <= 0x6FF) ||
      (c >= 0x750 && c <= 0x77F) || (c >= 0xFB50 && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF))
    return Script::Arabic;
  if (c >= 0x5D0 && c <= 0x5EA) return Script::Hebrew;
  if (c >= 0x900 && c <= 0x963) return Script::Devanagari;
  if (c >= 0x980 && c <= 0x9FF) return Script::Bengali;
  if (c >= 0xA00 && c <= 0xA7F) return Script::Gurmukhi;
  if (c >= 0xA80 && c <= 0xAFF) return Script::Gujarati;
  if (c >= 0xB80 && c <= 0xBFF) return Script::Tamil;
  if (c >= 0xC00 && c <= 0xC7F) return Script::Telugu;
  if (c >= 0xC80 && c <= 0xCFF) return Script::Kannada;
  if (c >= 0xD00 && c <= 0xD7F) return Script::Malayalam;
  if (c >= 0xE00 && c <= 0xE7F) return Script::Thai;
  if ((c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F))
    return Script::Hangul;
  if (c >= 0x3040 && c <= 0x30FF) return Script::Kana;
  if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF)) return Script::Han;
  return Script::None;
}

using Profiles = std::map<std::string, std::set<std::string>>;

// Frequent function words per language (lowercase), the strongest cue of short texts.
const Profiles& latin_profiles() {
  static const Profiles p = {
      {"en", {"the", "a", "and", "of", "to", "is", "in", "that", "it", "for", "you", "are", "with", "this", "was", "be", "have", "not", "on", "as", "at", "by", "from", "or", "an", "will", "your", "can", "we", "they", "my", "about", "i", "me", "what", "which", "how", "make", "use", "write"}},
      {"de", {"der", "die", "das", "und", "ist", "nicht", "ich", "sie", "es", "ein", "eine", "zu", "den", "mit", "sich", "auf", "für", "von", "dem", "auch", "wir", "sind", "wie", "aber", "oder", "im", "bei", "noch", "werden"}},
      {"fr", {"de", "le", "la", "les", "et", "est", "des", "une", "un", "du", "que", "qui", "dans", "pour", "pas", "sur", "au", "avec", "ce", "il", "elle", "nous", "vous", "sont", "mais", "ou", "je", "aux", "cette", "être", "plus"}},
      {"es", {"de", "la", "el", "los", "las", "y", "es", "del", "que", "en", "un", "una", "por", "con", "para", "no", "se", "su", "al", "lo", "como", "más", "pero", "sus", "le", "ya", "muy", "también", "está", "son", "fue", "hay"}},
      {"pt", {"a", "de", "o", "os", "as", "e", "é", "do", "da", "dos", "das", "que", "em", "um", "uma", "para", "com", "não", "no", "na", "por", "mais", "se", "como", "mas", "ao", "seu", "sua", "são", "você", "também", "está"}},
      {"it", {"a", "in", "il", "lo", "la", "gli", "le", "e", "è", "di", "che", "non", "un", "una", "per", "con", "del", "della", "sono", "si", "da", "nel", "alla", "anche", "come", "più", "ma", "questo", "ci", "ho", "dei", "delle"}},
      {"nl", {"de", "het", "een", "en", "van", "is", "dat", "niet", "ik", "je", "zijn", "op", "te", "met", "voor", "er", "maar", "om", "ook", "als", "aan", "bij", "nog", "wat", "wordt", "naar", "dit", "heeft", "hij", "zij"}},
      {"sv", {"och", "att", "det", "som", "en", "är", "på", "för", "med", "har", "inte", "av", "till", "den", "jag", "de", "om", "ett", "var", "men", "så", "vi", "kan", "från", "eller", "hon", "han", "sig", "ska", "också"}},
      {"da", {"og", "at", "det", "er", "en", "til", "på", "som", "med", "har", "for", "af", "ikke", "den", "jeg", "de", "om", "et", "var", "men", "så", "vi", "kan", "fra", "eller", "hun", "han", "sig", "skal", "også"}},
      {"fi", {"ja", "on", "ei", "se", "että", "hän", "oli", "ovat", "mutta", "kun", "ole", "tai", "niin", "kuin", "myös", "jos", "vain", "sen", "mitä", "tämä", "ne", "me", "te", "he", "minä", "sinä", "voi", "nyt", "joka", "ovat"}},
      {"pl", {"i", "w", "nie", "na", "się", "z", "do", "to", "że", "jest", "o", "jak", "ale", "po", "co", "tak", "za", "od", "jego", "już", "dla", "są", "czy", "tylko", "przez", "może", "być", "jestem", "ich", "który"}},
      {"sw", {"na", "ya", "wa", "kwa", "ni", "za", "katika", "la", "kama", "hii", "cha", "si", "hiyo", "yake", "lakini", "pia", "wao", "sana", "yako", "kuwa", "hata", "zaidi", "ili", "huo", "vya", "kila", "hivyo", "wewe", "mimi", "sisi"}},
      {"vi", {"và", "của", "là", "các", "những", "có", "được", "cho", "không", "người", "một", "trong", "này", "với", "đã", "để", "khi", "cũng", "như", "thì", "bạn", "tôi", "chúng", "đến", "từ", "nhưng", "rất", "sẽ", "hơn", "nhiều"}},
      {"id", {"dan", "yang", "di", "ini", "itu", "dengan", "untuk", "tidak", "dari", "dalam", "akan", "pada", "juga", "saya", "ke", "karena", "ada", "mereka", "bisa", "atau", "kita", "anda", "sudah", "lebih", "oleh", "hanya", "seperti", "adalah", "telah", "kami"}},
      {"tr", {"ve", "bir", "bu", "da", "de", "için", "ile", "çok", "ne", "daha", "gibi", "olarak", "ama", "o", "var", "ben", "sen", "biz", "değil", "mi", "en", "kadar", "sonra", "her", "olan", "şey", "ya", "nasıl", "çünkü", "ise"}},
      {"ro", {"și", "în", "de", "la", "este", "un", "o", "cu", "pe", "nu", "că", "din", "care", "mai", "sunt", "pentru", "sau", "ce", "dar", "lui", "fost", "ei", "acest", "această", "foarte", "am", "s-a", "ca", "se", "prin"}},
      {"cs", {"a", "je", "v", "se", "na", "že", "to", "s", "z", "do", "jsem", "není", "ale", "jak", "by", "o", "pro", "tak", "jsou", "který", "také", "už", "jeho", "její", "když", "nebo", "bylo", "jako", "k", "má"}},
      {"hu", {"a", "az", "és", "hogy", "nem", "is", "egy", "van", "meg", "de", "ez", "csak", "már", "még", "mint", "vagy", "volt", "el", "ki", "be", "fel", "sem", "kell", "lesz", "azt", "aki", "amely", "nagyon", "vagyok", "minden"}},
  };
  return p;
}

const Profiles& other_profiles() {
  static const Profiles p = {
      {"hi", {"है", "हैं", "और", "के", "में", "से", "का", "यह", "था", "लिए", "पर", "नहीं", "भी", "एक", "होता", "करने", "कि", "हम", "आप", "वह"}},
      {"mr", {"आहे", "आणि", "आहेत", "या", "हे", "मध्ये", "करून", "त्या", "होते", "नाही", "व", "तर", "पण", "त्याच्या", "म्हणून", "आपण", "तुम्ही", "ते", "झाले", "केले"}},
      {"ne", {"छ", "छन्", "हो", "र", "मा", "लागि", "पनि", "गर्न", "हुन्छ", "भएको", "यो", "थियो", "गरेको", "तथा", "नै", "गर्ने", "हुने", "भने", "तपाईं", "हामी"}},
      {"ar", {"في", "من", "على", "أن", "إلى", "التي", "الذي", "هذا", "عن", "مع", "كان", "هذه", "ما", "لا", "هو", "كل", "أو", "قد", "ذلك", "بين"}},
      {"fa", {"است", "این", "در", "به", "که", "را", "از", "با", "می", "های", "برای", "یک", "آن", "هم", "شود", "بود", "ما", "شما", "یا", "تا"}},
      {"ur", {"ہے", "کے", "میں", "کی", "اور", "کا", "سے", "یہ", "ہیں", "کو", "نے", "پر", "بھی", "کہ", "ایک", "تھا", "لیے", "ہو", "وہ", "آپ"}},
      {"ru", {"и", "в", "не", "что", "он", "как", "это", "по", "но", "из", "его", "для", "к", "же", "так", "вы", "мы", "только", "был", "или"}},
      {"bg", {"и", "в", "не", "че", "е", "за", "да", "се", "от", "са", "това", "като", "по", "ще", "си", "но", "ли", "бъде", "които", "или"}},
      {"uk", {"і", "в", "не", "що", "на", "це", "як", "але", "з", "до", "та", "для", "його", "ви", "ми", "був", "або", "також", "є", "від"}},
      {"mk", {"и", "во", "не", "што", "е", "на", "се", "да", "од", "со", "за", "тоа", "како", "но", "ќе", "ги", "ја", "беше", "или", "кои"}},
  };
  return p;
}

bool separator(char32_t c) {
  if (detail::is_space(c)) return true;
  if (c < 0x80) return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\'' || c == '-');
  return (c >= 0x2000 && c <= 0x206F) || c == 0x964 || c == 0x965 || c == 0x60C || c == 0x61B ||
         c == 0x61F || c == 0x6D4 || c == 0xAB || c == 0xBB || c == 0xBF || c == 0xA1;
}

std::vector<std::string> words(const std::vector<char32_t>& cps) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    // A period between letters belongs to the word ("p.s", "e.g"), so its letters are not
    // mistaken for one-letter stop words.
    bool inner_dot = c == '.' && !cur.empty() && i + 1 < cps.size() && !separator(cps[i + 1]);
    if (separator(c) && !inner_dot) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      detail::append_utf8(cur, detail::to_lower(c));
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// Language with most stop-word hits among the candidates (+ per-language letter bonus), or ""
// when no candidate reaches one full hit; ties keep the earlier candidate. One-letter stop
// words ("a", "i", "k", "z") are shared by many languages and appear in lists and formulas, so
// they weigh 0.3.
std::string vote(const std::vector<std::string>& ws, const Profiles& profiles,
                 const std::vector<std::string>& candidates, const std::map<std::string, double>& bonus) {
  std::string best;
  double best_score = 0.999;
  for (const auto& lang : candidates) {
    const auto& stop = profiles.at(lang);
    double score = 0;
    for (const auto& w : ws)
      if (stop.count(w)) score += detail::decode(w).size() == 1 ? 0.3 : 1.0;
    if (auto it = bonus.find(lang); it != bonus.end()) score += it->second;
    if (score > best_score) best = lang, best_score = score;
  }
  return best;
}

std::size_t count_of(const std::vector<char32_t>& cps, std::u32string set) {
  std::size_t n = 0;
  for (char32_t c : cps) n += set.find(detail::to_lower(c)) != std::u32string::npos;
  return n;
}

}  // namespace

std::string detect_language(std::string_view s) {
  auto cps = decode(s);
  std::map<Script, std::size_t> letters;
  for (char32_t c : cps)
    if (Script sc = script_of(c); sc != Script::None) ++letters[sc];
  if (letters.empty()) return "";
  Script top = Script::None;
  std::size_t most = 0;
  for (auto [sc, n] : letters)
    if (n > most) top = sc, most = n;

  switch (top) {
    case Script::Hangul: return "ko";
    case Script::Thai: return "th";
    case Script::Bengali: return "bn";
    case Script::Gurmukhi: return "pa";
    case Script::Gujarati: return "gu";
    case Script::Tamil: return "ta";
    case Script::Telugu: return "te";
    case Script::Kannada: return "kn";
    case Script::Malayalam: return "ml";
    case Script::Greek: return "el";
    case Script::Hebrew: return "he";
    case Script::Kana: return "ja";
    case Script::Han: return letters.count(Script::Kana) ? "ja" : "zh-cn";
    default: break;
  }
  auto ws = words(cps);
  double n = static_cast<double>(most);
  if (top == Script::Devanagari) {
    // ळ is frequent in Marathi and absent from Hindi and Nepali spelling.
    std::string v = vote(ws, other_profiles(), {"hi", "mr", "ne"},
                         {{"mr", 200.0 * count_of(cps, U"\u0933") / n}});
    return v.empty() ? "hi" : v;
  }
  if (top == Script::Arabic) {
    // Urdu-only letters (ٹ ڈ ڑ ں ے ھ ہ), Persian/Urdu letters (پ چ ژ گ ی ک), Arabic-only (ي ك ة ى).
    double ur = count_of(cps, U"\u0679\u0688\u0691\u06BA\u06D2\u06BE\u06C1");
    double fa = count_of(cps, U"\u067E\u0686\u0698\u06AF\u06CC\u06A9");
    double ar = count_of(cps, U"\u064A\u0643\u0629\u0649");
    std::string v = vote(ws, other_profiles(), {"ar", "fa", "ur"},
                         {{"ur", 50 * ur / n}, {"fa", 25 * std::max(0.0, fa - ur) / n}, {"ar", 25 * ar / n}});
    return v.empty() ? "ar" : v;
  }
  if (top == Script::Cyrillic) {
    if (count_of(cps, U"ыэё") * 200 > most) return "ru";
    if (count_of(cps, U"іїєґ") * 200 > most) return "uk";
    if (count_of(cps, U"ѓќѕ") * 200 > most) return "mk";
    // ъ inside words is common in Bulgarian and rare in Russian.
    std::string v = vote(ws, other_profiles(), {"ru", "bg"}, {{"bg", 20 * count_of(cps, U"ъ") / n}});
    return v.empty() ? "ru" : v;
  }
  // Latin. Vietnamese letters (ă đ ơ ư and the U+1EA0.. block) are decisive in bulk.
  std::size_t viet = 0;
  for (char32_t c : cps) {
    char32_t l = detail::to_lower(c);
    viet += l == 0x103 || l == 0x111 || l == 0x1A1 || l == 0x1B0 || (l >= 0x1EA0 && l <= 0x1EF9);
  }
  std::vector<std::string> latin;
  for (const auto& [lang, _] : latin_profiles()) latin.push_back(lang);
  // English first so that it wins ties (the most likely language of an IFEval response).
  latin.erase(std::find(latin.begin(), latin.end(), "en"));
  latin.insert(latin.begin(), "en");
  std::string v = vote(ws, latin_profiles(), latin, {{"vi", 40.0 * viet / n}});
  if (!v.empty()) return v;
  if (count_of(cps, U"äöüß")) return "de";
  if (count_of(cps, U"ñ¿¡")) return "es";
  if (count_of(cps, U"ãõç")) return "pt";
  return "en";
}

}  // namespace remedi::tasks::ifeval::text
