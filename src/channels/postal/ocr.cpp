#include "channels/postal/ocr.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace guichet::channels::postal {
namespace {

namespace fs = std::filesystem;

// A tool's output beyond this is not a letter's text.
constexpr std::uintmax_t kMaxToolOutput = 4 * 1024 * 1024;

// A private directory removed with everything in it.
class WorkDir {
 public:
  WorkDir() {
    std::string tmpl = (fs::temp_directory_path() / "guichet-ocr-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs argv with stdout to `out` and stderr to `err`; kUnavailable when it
// cannot start, fails or runs past the timeout (then killed).
Status Run(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
           std::chrono::seconds timeout) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    return Error::Unavailable("« " + argv[0] + " » ne démarre pas (" + std::strerror(rc) + ")");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return Error::Unavailable("waitpid");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Error::Unavailable("« " + argv[0] + " » a dépassé le temps imparti");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream e(err);
    std::string why;
    std::getline(e, why);
    return Error::Unavailable("« " + argv[0] + " » a échoué" + (why.empty() ? "" : " : " + why));
  }
  return Status::Ok();
}

Result<std::string> ReadText(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) return Error::Unavailable("sortie illisible");
  if (size > kMaxToolOutput) return Error::Unavailable("texte extrait trop long");
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t Letters(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) >= 0x80);
  }));
}

}  // namespace

Result<std::string> TesseractExtractor::Extract(const std::string& content_type,
                                                const std::string& bytes) {
  if (!domain::IsScanType(content_type)) {
    return Error::Invalid("Type de document non pris en charge : " + content_type);
  }
  WorkDir dir;
  const fs::path err = dir.path() / "stderr.txt";
  auto ocr = [&](const fs::path& image, const fs::path& base) -> Result<std::string> {
    // tesseract writes <base>.txt
    GUICHET_TRY(Run({options_.tesseract, image.string(), base.string(), "-l", options_.languages},
                    dir.path() / "tesseract.out", err, options_.timeout));
    return ReadText(base.string() + ".txt");
  };
  if (content_type != "application/pdf") {
    const fs::path image = dir.path() / (content_type == "image/png" ? "scan.png" : "scan.jpg");
    {
      std::ofstream f(image, std::ios::binary);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!f) return Error::Unavailable("écriture du fichier temporaire impossible");
    }
    return ocr(image, dir.path() / "scan");
  }
  const fs::path pdf = dir.path() / "scan.pdf";
  {
    std::ofstream f(pdf, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return Error::Unavailable("écriture du fichier temporaire impossible");
  }
  const std::string last = std::to_string(options_.max_pages);
  const fs::path txt = dir.path() / "pdf.txt";
  // A PDF made by a program has its text: no need to guess it from pixels.
  GUICHET_TRY(
      Run({options_.pdftotext, "-layout", "-enc", "UTF-8", "-l", last, pdf.string(), txt.string()},
          dir.path() / "pdftotext.out", err, options_.timeout));
  auto text = ReadText(txt);
  if (!text.ok()) return text;
  if (Letters(*text) >= options_.min_pdf_text) return text;
  // A scanned PDF: its pages as 300 dpi grey images, then OCR page by page.
  GUICHET_TRY(Run({options_.pdftoppm, "-r", "300", "-gray", "-png", "-l", last, pdf.string(),
                   (dir.path() / "page").string()},
                  dir.path() / "pdftoppm.out", err, options_.timeout));
  std::vector<fs::path> pages;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const auto name = entry.path().filename().string();
    if (name.rfind("page", 0) == 0 && entry.path().extension() == ".png") {
      pages.push_back(entry.path());
    }
  }
  std::sort(pages.begin(), pages.end());
  std::string all;
  for (size_t i = 0; i < pages.size(); ++i) {
    auto page = ocr(pages[i], dir.path() / ("ocr-" + std::to_string(i)));
    if (!page.ok()) return page;
    if (!all.empty()) all += "\n\f\n";
    all += *page;
  }
  return all;
}

}  // namespace guichet::channels::postal
