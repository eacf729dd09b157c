// `descent train`: optimizers racing on a real dataset (Fashion-MNIST by default).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "descent/checkpoint.hpp"
#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/nn/idx.hpp"
#include "descent/nn/landscape.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/nn/train.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "experiment.hpp"
#include "outputs.hpp"
#include "util/atomic_file.hpp"
#include "util/text.hpp"

namespace descent::cli {
namespace {

namespace fs = std::filesystem;

// The four: the seed's three methods and Adam, at torch's usual settings.
const std::vector<std::string> kDefaultOptimizers = {"sgd:lr=0.1", "momentum:lr=0.05,alpha=0.9",
                                                     "rmsprop:lr=0.001,beta=0.99", "adam:lr=0.001"};

struct Row {
  std::string optimizer;
  nn::EpochRecord record;
};

std::string log_csv(const std::vector<Row>& rows) {
  std::ostringstream out;
  out << "optimizer,epoch,train_loss,train_accuracy,test_loss,test_accuracy,diverged\n";
  for (const Row& r : rows)
    out << '"' << r.optimizer << "\"," << r.record.epoch << ","
        << format_double(r.record.train_loss) << "," << format_double(r.record.train_accuracy)
        << "," << format_double(r.record.test_loss) << "," << format_double(r.record.test_accuracy)
        << "," << (r.record.diverged ? 1 : 0) << "\n";
  return out.str();
}

// A row "optimizer",field,... of the files this command writes: the optimizer spec (which holds
// commas but no quotes) and the fields after it, which view `line`; nullopt for another shape.
struct SpecRow {
  std::string spec;
  std::vector<std::string_view> fields;
};
std::optional<SpecRow> split_spec_row(std::string_view line) {
  const std::size_t close = line.find("\",");
  if (line.size() < 2 || line[0] != '"' || close == std::string_view::npos) return std::nullopt;
  return SpecRow{std::string(line.substr(1, close - 1)), split_list(line.substr(close + 2), ',')};
}

// The rows of a log this command wrote (for --resume).
std::vector<Row> read_log(const fs::path& path) {
  std::vector<Row> rows;
  std::ifstream in(path);
  if (!in) return rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    // "optimizer",epoch,train,test,acc,diverged.
    const std::optional<SpecRow> row = split_spec_row(line);
    if (!row) throw InputError("training log '" + path.string() + "' is malformed: " + line);
    Row r;
    r.optimizer = row->spec;
    const std::vector<std::string_view>& f = row->fields;
    const auto num = [&](std::size_t i) {
      const auto v = i < f.size() ? parse_double(f[i]) : std::nullopt;
      if (!v) throw InputError("training log '" + path.string() + "' is malformed: " + line);
      return *v;
    };
    r.record.epoch = static_cast<std::size_t>(num(0));
    r.record.train_loss = num(1);
    r.record.train_accuracy = num(2);
    r.record.test_loss = num(3);
    r.record.test_accuracy = num(4);
    r.record.diverged = num(5) != 0;
    rows.push_back(std::move(r));
  }
  return rows;
}

// Where an optimizer's rows go in the files this command writes: the command's optimizers in the
// order given (`order`, canonical specs), as an uninterrupted run writes them; rows of any other
// spec (an optimizer dropped from a resumed command) after them, in the order they were read.
std::size_t rank_of(const std::vector<std::string>& order, const std::string& spec) {
  return static_cast<std::size_t>(std::find(order.begin(), order.end(), spec) - order.begin());
}

// "[2/4] adam:lr=0.001  epoch 3/10 |#########     | 230/469  loss 0.4312  accuracy 84.10%" on
// stderr (the training loss and accuracy so far in the epoch), redrawn at most ten times a second.
class Bar {
 public:
  explicit Bar(bool on) : on_(on) {}
  void operator()(const std::string& head, std::size_t done, std::size_t total, double loss,
                  double accuracy) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const std::size_t width = 24, filled = total ? width * done / total : width;
    fmt::print(stderr, "\r{} |{}{}| {}/{}  loss {:.4f}  accuracy {:.2f}%   ", head,
               std::string(filled, '#'), std::string(width - filled, ' '), done, total, loss,
               100 * accuracy);
    std::fflush(stderr);
  }
  void end() {
    if (on_) fmt::print(stderr, "\n");
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point last_{};
};

// The settings a resumed run must keep, as a checkpoint records them: those that shape the
// numbers of the epochs (the data, the model, the batches, the seed, the images used) and the
// epochs whose parameters are kept. --epochs, --threads, --out, --format, --no-plots,
// --progress and the sharpness options may change.
std::map<std::string, std::string> run_settings(const nn::TrainConfig& c, const fs::path& data,
                                                const std::string& train_limit,
                                                const std::string& test_limit,
                                                std::size_t iterate_every) {
  std::error_code ec;
  fs::path where = fs::weakly_canonical(fs::absolute(data, ec), ec);
  if (ec) where = data;
  std::string hidden;
  for (std::size_t h : c.hidden) hidden += (hidden.empty() ? "" : ",") + std::to_string(h);
  std::map<std::string, std::string> s = {
      {"--data", where.string()},           {"--model", nn::to_string(c.model)},
      {"--batch", std::to_string(c.batch)}, {"--seed", std::to_string(c.seed)},
      {"--train-limit", train_limit},       {"--test-limit", test_limit}};
  if (c.model == nn::ModelKind::mlp) s["--hidden"] = hidden;
  s["--iterate-every"] = std::to_string(iterate_every);
  return s;
}

// Refuses to resume from `ckpt` with settings other than those it was trained with, for another
// optimizer than `spec` (canonical), or for fewer epochs than it has done.
void check_checkpoint(const fs::path& ckpt, const std::map<std::string, std::string>& mine,
                      const std::string& spec, std::size_t epochs) {
  const Checkpoint<float> c = load_checkpoint<float>(ckpt);
  if (c.spec != spec)
    throw InputError(fmt::format(
        "--resume: checkpoint '{}' is for optimizer '{}', not '{}': a resumed run keeps the "
        "optimizers in their order",
        ckpt.string(), c.spec, spec));
  if (c.step > epochs)
    throw InputError(fmt::format(
        "--resume: checkpoint '{}' has done {} epochs, more than --epochs {}; give --epochs {} "
        "or more",
        ckpt.string(), c.step, epochs, c.step));
  const CheckpointContext& saved = c.context;
  if (saved.settings.empty()) {
    fmt::print(stderr,
               "note: checkpoint '{}' was written by an older version and records no settings; "
               "resume with the settings it was trained with\n",
               ckpt.string());
    return;
  }
  if (const auto d = saved.differing(mine))
    throw InputError(fmt::format(
        "--resume: checkpoint '{}' was trained with {} {}, and this command gives {} {}; a "
        "resumed run must keep --data, --model, --hidden, --batch, --seed, --train-limit, "
        "--test-limit and --iterate-every (--epochs, --threads, --format, --no-plots, "
        "--progress and the --sharpness options may change)",
        ckpt.string(), d->first, d->second, d->first, mine.at(d->first)));
}

// A CSV whose rows begin with "optimizer",epoch (train-steps.csv, sharpness.csv), written again
// after every epoch, each optimizer's rows together in the order of rank_of(). On a resume each
// optimizer keeps its rows up to the epoch its checkpoint has done; a row cut short by an
// interruption is dropped.
class EpochRows {
 public:
  EpochRows(fs::path path, std::string header, const std::vector<std::string>& order)
      : path_(std::move(path)), header_(std::move(header)), order_(order) {}

  // Reads the rows a previous run wrote.
  void load() {
    std::ifstream in(path_);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const std::optional<SpecRow> row = split_spec_row(line);
      if (!row) continue;
      const auto epoch = parse_double(row->fields.front());
      if (!epoch || row->fields.size() != columns()) continue;
      rows_of(row->spec).push_back({static_cast<std::size_t>(*epoch), line});
    }
  }
  // Keeps `spec`'s rows up to epoch `done` (none for a run that starts afresh: `fresh`) and
  // writes the file again.
  void keep(const std::string& spec, std::size_t done, bool fresh) {
    std::erase_if(rows_of(spec), [&](const Row& r) { return fresh || r.epoch > done; });
    write();
  }
  // The numbers after the epoch in each of `spec`'s rows, in order.
  std::vector<std::vector<double>> values(const std::string& spec) const {
    std::vector<std::vector<double>> out;
    const auto it = std::ranges::find(groups_, spec, &Group::spec);
    if (it == groups_.end()) return out;
    for (const Row& r : it->rows) {
      const std::vector<std::string_view> fields = split_spec_row(r.line)->fields;
      std::vector<double> v;
      for (std::size_t k = 1; k < fields.size(); ++k)
        v.push_back(parse_double(fields[k]).value_or(NAN));
      out.push_back(std::move(v));
    }
    return out;
  }
  // Appends rows of `spec` for `epoch`, each "field,field,..." after the optimizer and epoch.
  void append(const std::string& spec, std::size_t epoch, const std::vector<std::string>& tails) {
    std::vector<Row>& mine = rows_of(spec);
    for (const std::string& t : tails)
      mine.push_back({epoch, fmt::format("\"{}\",{},{}", spec, epoch, t)});
    write();
  }

 private:
  struct Row {
    std::size_t epoch;
    std::string line;
  };
  struct Group {
    std::string spec;
    std::vector<Row> rows;
  };
  std::vector<Row>& rows_of(const std::string& spec) {
    const auto it = std::ranges::find(groups_, spec, &Group::spec);
    if (it != groups_.end()) return it->rows;
    groups_.push_back({spec, {}});
    // Groups read or first written later keep their place among the specs of no rank.
    std::ranges::stable_sort(groups_, {}, [&](const Group& g) { return rank_of(order_, g.spec); });
    return std::ranges::find(groups_, spec, &Group::spec)->rows;
  }
  // Writes the file again, atomically (under a process group, rank 0 writes).
  void write() const {
    if (!is_root()) return;
    std::string text = header_ + "\n";
    for (const Group& g : groups_)
      for (const Row& r : g.rows) text += r.line + "\n";
    write_file_atomically(path_, text);
  }
  std::size_t columns() const {
    return static_cast<std::size_t>(std::count(header_.begin(), header_.end(), ','));
  }
  fs::path path_;
  std::string header_;
  const std::vector<std::string>& order_;
  std::vector<Group> groups_;
};

// The stability threshold on a quadratic, lambda_max < threshold, at the optimizer's learning
// rate now, for the methods that have a simple one: gradient descent 2/lr, heavy-ball momentum
// (2 + 2 alpha)/lr (Cohen et al. 2021, appendix), each less the weight decay (which adds wd to
// every eigenvalue of the step's quadratic). 0 for the others.
double stability_threshold(const Optimizer<float>& o) {
  const std::string name = o.info().name;
  if (o.lr() <= 0 || (name != "sgd" && name != "momentum")) return 0;
  const ParamSet p = o.params();
  const double wd = p.get("weight_decay");
  if (name == "sgd") return 2 / o.lr() - wd;
  if (p.get("dampening") == 0) return (2 + 2 * p.get("alpha")) / o.lr() - wd;
  return 0;
}

// How the threshold is written: "2/lr" or "(2+2 alpha)/lr", less the weight decay if any.
std::string threshold_name(const Optimizer<float>& o) {
  const bool decay = (o.info().name == "sgd" || o.info().name == "momentum") &&
                     o.params().get("weight_decay") != 0;
  return std::string(o.info().name == "sgd" ? "2/lr" : "(2+2 alpha)/lr") + (decay ? " - wd" : "");
}

}  // namespace

int train_command(const TrainArgs& args) {
  nn::TrainConfig c;
  c.model = nn::parse_model(args.model);
  if (args.hidden) {
    if (c.model != nn::ModelKind::mlp)
      throw InputError("--hidden: only --model mlp has hidden layers");
    c.hidden = nn::parse_hidden(*args.hidden);
  }
  const std::size_t iterate_every = parse_count(args.iterate_every, "--iterate-every", 100000);
  if (iterate_every == 0) throw InputError("--iterate-every: must be at least 1");
  std::optional<std::size_t> sharpness_every;
  if (args.sharpness_every) {
    sharpness_every = parse_count(*args.sharpness_every, "--sharpness-every", 1u << 30);
    if (*sharpness_every == 0) throw InputError("--sharpness-every: must be at least 1");
  }
  const std::size_t sharpness_images =
      parse_count(args.sharpness_images, "--sharpness-images", std::size_t{1} << 40);
  if (sharpness_images == 0) throw InputError("--sharpness-images: must be at least 1");
  c.epochs = parse_count(args.epochs, "--epochs", 100000);
  if (c.epochs == 0) throw InputError("--epochs: must be at least 1");
  c.batch = parse_count(args.batch, "--batch", 1u << 20);
  if (c.batch == 0) throw InputError("--batch: must be at least 1");
  c.seed = parse_count(args.seed, "--seed", std::size_t{1} << 53);
  c.data_parallel = args.data_parallel;
  const ProcessGroup* group = shared_group();
  if (group != nullptr && !c.data_parallel)
    throw InputError(
        "under mpirun, descent train shares each batch between the ranks: give --data-parallel "
        "(without it every rank would repeat the whole training)");
  const std::vector<std::string> specs =
      args.optimizers.empty() ? kDefaultOptimizers : args.optimizers;
  std::vector<std::string> canonical;  // all checked first
  for (const std::string& s : specs) {
    canonical.push_back(make_optimizer<float>(s)->spec());
    if (std::ranges::count(canonical, canonical.back()) > 1)
      throw InputError("-o: '" + canonical.back() + "' is given twice");
  }
  const unsigned threads = args.threads ? parse_thread_count(*args.threads) : descent::threads();
  std::optional<std::size_t> max_train, max_test;
  if (args.train_limit)
    max_train = parse_count(*args.train_limit, "--train-limit", std::size_t{1} << 40);
  if (args.test_limit)
    max_test = parse_count(*args.test_limit, "--test-limit", std::size_t{1} << 40);
  const plot::Format format = plot::parse_format(args.format);
  const fs::path data_dir = args.data ? fs::path(*args.data) : nn::kFashionMnistFolder;
  const std::map<std::string, std::string> settings =
      run_settings(c, data_dir, max_train ? std::to_string(*max_train) : std::string("all"),
                   max_test ? std::to_string(*max_test) : std::string("all"), iterate_every);

  // Every output, checked before the data is read.
  const fs::path out = args.out;
  const fs::path ckpt_dir = out / "checkpoints";
  const fs::path csv_path = out / "train.csv", json_path = out / "train.json";
  const fs::path loss_path = out / (std::string("train-loss") + plot::extension(format));
  const fs::path accuracy_path = out / (std::string("test-accuracy") + plot::extension(format));
  const fs::path steps_path = out / "train-steps.csv";
  const fs::path steps_plot = out / (std::string("train-loss-steps") + plot::extension(format));
  const fs::path sharp_path = out / "sharpness.csv";
  const fs::path sharp_plot = out / (std::string("sharpness") + plot::extension(format));
  const fs::path iter_dir = out / "iterates";
  Outputs outputs;
  outputs.folder(out);
  outputs.folder(ckpt_dir);
  outputs.folder(iter_dir);
  outputs.file(csv_path);
  outputs.file(json_path);
  outputs.file(steps_path);
  if (sharpness_every) outputs.file(sharp_path);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    outputs.file(ckpt_dir / fmt::format("optimizer-{}.ckpt", i + 1));
    outputs.file(iter_dir / fmt::format("optimizer-{}.bin", i + 1));
  }
  if (!args.no_plots) {
    outputs.file(loss_path);
    outputs.file(accuracy_path);
    outputs.file(steps_plot);
    if (sharpness_every) outputs.file(sharp_plot);
  }
  EpochRows step_rows(steps_path, "optimizer,epoch,step,loss", canonical);
  EpochRows sharp_rows(sharp_path, "optimizer,epoch,step,sharpness,products,threshold", canonical);
  std::vector<Row> rows;
  if (args.resume) {
    if (!fs::exists(ckpt_dir))
      throw InputError("--resume: '" + ckpt_dir.string() + "' holds no checkpoints to resume");
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const fs::path ckpt = ckpt_dir / fmt::format("optimizer-{}.ckpt", i + 1);
      if (fs::exists(ckpt)) check_checkpoint(ckpt, settings, canonical[i], c.epochs);
    }
    rows = read_log(csv_path);
    step_rows.load();
    if (sharpness_every) sharp_rows.load();
  }

  const nn::ImageDataset data = nn::load_image_dataset(data_dir, max_train, max_test);
  nn::set_blas_threads(threads);
  const std::vector<std::size_t> sizes = nn::model_sizes(c, data);
  std::string shape;
  for (std::size_t s : sizes) shape += (shape.empty() ? "" : "-") + std::to_string(s);
  fmt::print(
      "train     {} {} on {} ({} training, {} test images), {} epochs of batch {}, seed {}\n",
      nn::to_string(c.model), shape, data_dir.string(), data.train.count, data.test.count, c.epochs,
      c.batch, c.seed);
  fmt::print("threads   {} for the matrix products{}\n", workers_text(threads),
             group ? ", each rank computing the gradient of its share of every batch" : "");
  // The sharpness is measured on the first training images.
  const std::size_t sharp_n = std::min(sharpness_images, data.train.count);
  const std::span<const float> sharp_x(data.train.x.data(), sharp_n * data.train.features);
  const std::span<const std::uint8_t> sharp_y(data.train.y.data(), sharp_n);
  if (sharpness_every)
    fmt::print("sharpness every {} steps on {} training images\n", *sharpness_every, sharp_n);
  fmt::print("\n");

  Bar bar(isatty(STDERR_FILENO) != 0 || args.progress);
  nlohmann::json runs = nlohmann::json::array();
  std::vector<plot::Series> loss_series, acc_series, step_series, sharp_series;
  // Drawn dashed after the sharpness series, each in its run's colour.
  std::vector<std::pair<std::size_t, plot::Series>> thresholds;
  std::size_t smoothing = 1;
  // The log in the order of an uninterrupted run.
  const auto write_log = [&] {
    std::ranges::stable_sort(rows, {},
                             [&](const Row& r) { return rank_of(canonical, r.optimizer); });
    if (is_root()) write_file_atomically(csv_path, log_csv(rows));
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    nn::Trainer t(c, data, specs[i]);
    const std::string label = short_label(t.optimizer_spec());
    const fs::path ckpt = ckpt_dir / fmt::format("optimizer-{}.ckpt", i + 1);
    const fs::path iter_path = iter_dir / fmt::format("optimizer-{}.bin", i + 1);
    // The sharpness estimate's last vector after epoch e, next to the checkpoint (absent while
    // the vector is empty): a resumed run's next estimate starts from it, as the whole run's does.
    const auto sharp_start = [&](std::size_t e) {
      return ckpt_dir / fmt::format("optimizer-{}.sharpness-{}.bin", i + 1, e);
    };
    // Removes this optimizer's vectors of other epochs than `kept` (all of them when nullopt).
    const auto drop_sharp_starts = [&](std::optional<std::size_t> kept) {
      if (!is_root()) return;
      const std::string prefix = fmt::format("optimizer-{}.sharpness-", i + 1);
      std::error_code ec;
      for (const fs::directory_entry& e : fs::directory_iterator(ckpt_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with(prefix) && name.ends_with(".bin") &&
            !(kept && e.path() == sharp_start(*kept)))
          fs::remove(e.path(), ec);
      }
    };
    std::vector<float> sharp_vector;  // the last eigenvector: the next estimate starts from it
    std::vector<nn::EpochRecord> mine;
    // The initialization, then the parameters after every iterate_every-th epoch (and the last).
    std::vector<std::vector<float>> iterates;
    const auto keep_iterate = [&] {
      const auto p = t.model().parameters();
      iterates.emplace_back(p.begin(), p.end());
    };
    bool keeping = true, stopped = false;
    if (args.resume && fs::exists(ckpt)) {
      t.load(ckpt);
      if (fs::exists(iter_path)) {
        // The rows of epochs 0, e, 2e, ... up to the checkpoint's epoch.
        iterates = nn::read_iterates(iter_path, t.model().parameter_count());
        const std::size_t done = t.epochs_done(), kept = done / iterate_every + 1;
        // A row after them is the last epoch's where a run ended off the every-E grid (it holds
        // the checkpoint's parameters); any other is of an epoch the checkpoint has not done.
        std::size_t legit = kept;
        if (done % iterate_every != 0 && iterates.size() > kept &&
            std::ranges::equal(iterates[kept], t.model().parameters()))
          ++legit;
        if (iterates.size() > legit) {
          iterates.resize(legit);
          nn::write_iterates(iter_path, iterates);
        }
        iterates.resize(std::min(iterates.size(), kept));
      } else {
        keeping = false;
        fmt::print(stderr, "note: '{}' is missing: no iterates are kept for {}\n",
                   iter_path.string(), label);
      }
      for (const Row& r : rows)
        if (r.optimizer == t.optimizer_spec() && r.record.epoch <= t.epochs_done())
          mine.push_back(r.record);
      if (mine.size() != t.epochs_done())
        throw InputError("--resume: the log '" + csv_path.string() + "' lacks epochs of '" +
                         t.optimizer_spec() + "' that its checkpoint has done");
      if (sharpness_every && fs::exists(sharp_start(t.epochs_done()))) {
        try {
          sharp_vector =
              nn::read_iterates(sharp_start(t.epochs_done()), t.model().parameter_count()).front();
        } catch (const InputError& e) {
          fmt::print(stderr, "note: {}; the next sharpness estimate starts afresh\n", e.what());
        }
      }
      // A checkpoint written before save() recorded divergence: the log says so.
      stopped = t.diverged() || (!mine.empty() && mine.back().diverged);
      fmt::print("resumed   {} after epoch {}{}\n", label, t.epochs_done(),
                 stopped ? " (it diverged: not trained further)" : "");
    } else {
      keep_iterate();
    }
    const bool fresh = !(args.resume && fs::exists(ckpt));
    // Rows of epochs the checkpoint has not done (an interrupted epoch's) go, in every file.
    std::erase_if(rows, [&](const Row& r) {
      return r.optimizer == t.optimizer_spec() && (fresh || r.record.epoch > t.epochs_done());
    });
    if (fresh) drop_sharp_starts(std::nullopt);
    step_rows.keep(t.optimizer_spec(), t.epochs_done(), fresh);
    if (sharpness_every) sharp_rows.keep(t.optimizer_spec(), t.epochs_done(), fresh);
    std::vector<std::string> sharp_new;
    double last_sharpness = NAN, threshold = 0;
    // A diverging run (caught at its next batch) may have parameters, or a curvature, that float
    // cannot hold: such a step has no sharpness and is left out.
    const auto measure = [&](std::size_t step) {
      for (float w : t.model().parameters())
        if (!std::isfinite(w)) return;
      nn::Sharpness s;
      try {
        s = nn::top_hessian_eigenvalue<float>(t.model(), sharp_x, sharp_y, sharp_vector, 50, 1e-3,
                                              c.seed);
      } catch (const InputError&) {
        sharp_vector.clear();  // the next estimate starts afresh
        return;
      }
      if (!std::isfinite(s.eigenvalue)) return;
      last_sharpness = s.eigenvalue;
      threshold = stability_threshold(t.optimizer());  // at this step's learning rate
      sharp_new.push_back(fmt::format("{},{},{},{}", step, format_double(s.eigenvalue), s.products,
                                      format_double(threshold)));
    };
    if (sharpness_every && t.epochs_done() == 0) {
      measure(0);
      sharp_rows.append(t.optimizer_spec(), 0, sharp_new);
      sharp_new.clear();
    }
    nlohmann::json seconds = nlohmann::json::array();
    while (t.epochs_done() < c.epochs && !t.diverged() && !stopped) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::string head = fmt::format("[{}/{}] {}  epoch {}/{}", i + 1, specs.size(), label,
                                           t.epochs_done() + 1, c.epochs);
      const std::size_t first_step = t.epochs_done() * t.batches();
      const nn::EpochRecord r =
          t.run_epoch([&](std::size_t b, std::size_t n, double loss, double accuracy) {
            if (sharpness_every && (first_step + b) % *sharpness_every == 0)
              measure(first_step + b);
            bar(head, b, n, loss, accuracy);
          });
      bar.end();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      seconds.push_back(s);
      mine.push_back(r);
      // The logs first, then the checkpoint: a checkpoint never has epochs the logs lack.
      std::erase_if(rows, [&](const Row& row) { return row.optimizer == t.optimizer_spec(); });
      for (const nn::EpochRecord& m : mine) rows.push_back({t.optimizer_spec(), m});
      write_log();
      std::vector<std::string> steps;
      for (std::size_t k = 0; k < t.step_losses().size(); ++k)
        steps.push_back(
            fmt::format("{},{}", first_step + k + 1, format_double(t.step_losses()[k])));
      step_rows.append(t.optimizer_spec(), r.epoch, steps);
      if (sharpness_every) {
        sharp_rows.append(t.optimizer_spec(), r.epoch, sharp_new);
        sharp_new.clear();
      }
      if (keeping && !r.diverged && (r.epoch % iterate_every == 0 || r.epoch == c.epochs)) {
        keep_iterate();
        nn::write_iterates(iter_path, iterates);
      } else if (keeping && r.epoch == 1) {
        nn::write_iterates(iter_path, iterates);  // the initialization, at least
      }
      if (sharpness_every && is_root()) {
        std::error_code ec;
        if (sharp_vector.empty())
          fs::remove(sharp_start(r.epoch), ec);
        else
          nn::write_iterates(sharp_start(r.epoch), {sharp_vector});
      }
      t.save(ckpt, settings);
      drop_sharp_starts(sharpness_every ? std::optional(r.epoch) : std::nullopt);
      if (r.diverged)
        fmt::print("{:<34} epoch {:>3}: diverged (a loss became non-finite); stopped\n", label,
                   r.epoch);
      else
        fmt::print(
            "{:<34} epoch {:>3}: train loss {:.4f} accuracy {:.2f}%  test loss {:.4f} "
            "accuracy {:.2f}%  ({:.2f} s)\n",
            label, r.epoch, r.train_loss, 100 * r.train_accuracy, r.test_loss,
            100 * r.test_accuracy, s);
      if (sharpness_every && std::isfinite(last_sharpness))
        fmt::print("{:<34}            sharpness {:.4g}{}\n", "", last_sharpness,
                   threshold > 0 ? fmt::format(" (stability threshold {:.4g})", threshold) : "");
    }
    double best = 0;
    plot::Series ls{label, {}, {}}, as{label, {}, {}};
    nlohmann::json epochs = nlohmann::json::array();
    for (const nn::EpochRecord& m : mine) {
      best = std::max(best, m.test_accuracy);
      ls.xs.push_back(static_cast<double>(m.epoch));
      ls.ys.push_back(m.train_loss);
      as.xs.push_back(static_cast<double>(m.epoch));
      as.ys.push_back(100 * m.test_accuracy);
      epochs.push_back({{"epoch", m.epoch},
                        {"train_loss", std::isfinite(m.train_loss) ? nlohmann::json(m.train_loss)
                                                                   : nlohmann::json(nullptr)},
                        {"train_accuracy", m.train_accuracy},
                        {"test_loss", std::isfinite(m.test_loss) ? nlohmann::json(m.test_loss)
                                                                 : nlohmann::json(nullptr)},
                        {"test_accuracy", m.test_accuracy},
                        {"diverged", m.diverged}});
    }
    loss_series.push_back(ls);
    acc_series.push_back(as);
    // The per-step losses (step, loss) as a trailing moving average, against the epoch.
    {
      const std::vector<std::vector<double>> v = step_rows.values(t.optimizer_spec());
      plot::Series ss{label, {}, {}};
      const std::size_t window = std::clamp<std::size_t>(t.batches() / 5, 1, 100);
      double sum = 0;
      for (std::size_t k = 0; k < v.size(); ++k) {
        sum += v[k][1];
        if (k >= window) sum -= v[k - window][1];
        ss.xs.push_back(v[k][0] / static_cast<double>(t.batches()));
        ss.ys.push_back(sum / static_cast<double>(std::min(k + 1, window)));
      }
      step_series.push_back(std::move(ss));
      smoothing = std::max(smoothing, window);
    }
    if (sharpness_every) {
      plot::Series sh{label, {}, {}};
      plot::Series th{fmt::format("{} of {}", threshold_name(t.optimizer()), label), {}, {}};
      for (const std::vector<double>& row : sharp_rows.values(t.optimizer_spec())) {
        sh.xs.push_back(row[0]);
        sh.ys.push_back(row[1]);
        if (row[3] > 0) th.xs.push_back(row[0]), th.ys.push_back(row[3]);
      }
      sharp_series.push_back(std::move(sh));
      if (!th.xs.empty()) thresholds.push_back({sharp_series.size() - 1, std::move(th)});
    }
    runs.push_back({{"optimizer", t.optimizer_spec()},
                    {"best_test_accuracy", best},
                    {"epochs", epochs},
                    {"seconds_per_epoch_this_run", seconds}});
    fmt::print("{:<34} best test accuracy {:.2f}%\n\n", label, 100 * best);
  }
  write_log();  // also when no epoch was trained
  const nlohmann::json doc = {{"data", settings.at("--data")},
                              {"model", nn::to_string(c.model)},
                              {"sizes", sizes},
                              {"epochs", c.epochs},
                              {"batch", c.batch},
                              {"seed", c.seed},
                              {"threads", threads},
                              {"ranks", group ? group->size() : 1},
                              {"train_images", data.train.count},
                              {"test_images", data.test.count},
                              {"runs", runs}};
  write_file_atomically(json_path, doc.dump(1) + "\n");
  fmt::print("wrote     {}, {}, checkpoints under {}\n", csv_path.string(), json_path.string(),
             ckpt_dir.string());
  if (!args.no_plots) {
    const std::string sub = fmt::format("{} {}, batch {}, {} training images",
                                        nn::to_string(c.model), shape, c.batch, data.train.count);
    plot::LineChart loss{"Training loss per epoch", sub,  "epoch",
                         "mean training loss",      true, loss_series};
    plot::LineChart acc{"Test accuracy per epoch", sub,   "epoch",
                        "test accuracy (%)",       false, acc_series};
    loss.whole_x = acc.whole_x = true;
    plot::draw_line_chart(loss, loss_path, format);
    plot::draw_line_chart(acc, accuracy_path, format);
    fmt::print("wrote     {}, {}\n", loss_path.string(), accuracy_path.string());
    plot::LineChart steps{
        "Training loss per step",
        smoothing > 1 ? sub + fmt::format(", moving average of {} steps", smoothing) : sub,
        "epoch",
        "training loss of the batch",
        true,
        step_series};
    steps.whole_x = true;
    plot::draw_line_chart(steps, steps_plot, format);
    fmt::print("wrote     {}\n", steps_plot.string());
    if (sharpness_every) {
      plot::LineChart sharp{"Sharpness against the stability threshold",
                            fmt::format("{} {}, batch {} of {} images{}", nn::to_string(c.model),
                                        shape, c.batch, data.train.count,
                                        sharp_n < data.train.count
                                            ? fmt::format("; measured on the first {}", sharp_n)
                                            : std::string()),
                            "step",
                            "largest Hessian eigenvalue",
                            false,
                            sharp_series};
      sharp.whole_x = true;
      for (std::size_t k = 0; k < sharp.series.size(); ++k) sharp.colors.push_back(k);
      for (auto& [run, th] : thresholds) {
        sharp.dashed.push_back(sharp.series.size());
        sharp.colors.push_back(run);
        sharp.series.push_back(std::move(th));
      }
      plot::draw_line_chart(sharp, sharp_plot, format);
      fmt::print("wrote     {}\n", sharp_plot.string());
    }
  }
  return 0;
}

}  // namespace descent::cli
