// `descent landscape`: the loss landscape of a network that `descent train` trained.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
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
#include "descent/objective.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "experiment.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "util/atomic_file.hpp"

namespace descent::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One run of the training folder: its spec, its solution and its kept iterates.
struct Run {
  std::string spec, label;
  std::vector<float> solution;
  std::vector<std::vector<float>> iterates;  // the initialization first; may be empty
};

// n values evenly from lo to hi.
std::vector<double> axis(double lo, double hi, std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  return v;
}

// The loss on a grid as a function of the plane's coordinates (bilinear between the grid's
// points), for descent's contour and surface figures.
FunctionObjective grid_surface(const std::vector<double>& ss, const std::vector<double>& ts,
                               const std::vector<double>& values, std::string name,
                               std::string formula) {
  const auto locate = [](const std::vector<double>& ax, double v, std::size_t& i, double& f) {
    const double pos =
        (v - ax.front()) / (ax.back() - ax.front()) * static_cast<double>(ax.size() - 1);
    const double c = std::clamp(pos, 0.0, static_cast<double>(ax.size() - 1));
    i = std::min(static_cast<std::size_t>(c), ax.size() - 2);
    f = c - static_cast<double>(i);
  };
  GradientFunction fn = [ss, ts, values, locate](std::span<const double> x, std::span<double> g) {
    std::size_t i = 0, j = 0;
    double fx = 0, fy = 0;
    locate(ss, x[0], i, fx);
    locate(ts, x[1], j, fy);
    const std::size_t n = ss.size();
    const double v00 = values[j * n + i], v10 = values[j * n + i + 1];
    const double v01 = values[(j + 1) * n + i], v11 = values[(j + 1) * n + i + 1];
    g[0] = ((1 - fy) * (v10 - v00) + fy * (v11 - v01)) / (ss[1] - ss[0]);
    g[1] = ((1 - fx) * (v01 - v00) + fx * (v11 - v10)) / (ts[1] - ts[0]);
    return (1 - fy) * ((1 - fx) * v00 + fx * v10) + fy * ((1 - fx) * v01 + fx * v11);
  };
  ObjectiveInfo info;
  info.name = std::move(name);
  info.formula = std::move(formula);
  info.start = {0, 0};
  info.bounds = {{ss.front(), ts.front()}, {ss.back(), ts.back()}};
  return objective(std::move(fn), 2, std::move(info));
}

// plane_landscape with a progress line named `label`.
nn::SliceValues plane_with_progress(const std::string& label, const nn::Mlp<float>& model,
                                    std::span<const float> d1, std::span<const float> d2,
                                    std::span<const double> ss, std::span<const double> ts,
                                    std::span<const float> x, std::span<const std::uint8_t> y) {
  ProgressLine bar(label, "cells");
  nn::SliceValues out = nn::plane_landscape<float>(
      model, d1, d2, ss, ts, x, y, [&](std::size_t d, std::size_t t) { bar(d, t); });
  bar.finish();
  return out;
}

std::string plane_csv(const std::vector<double>& ss, const std::vector<double>& ts,
                      const nn::SliceValues& train, const nn::SliceValues* test) {
  std::ostringstream out;
  out << "s,t,train_loss,train_accuracy" << (test ? ",test_loss,test_accuracy" : "") << "\n";
  for (std::size_t j = 0; j < ts.size(); ++j)
    for (std::size_t i = 0; i < ss.size(); ++i) {
      const std::size_t k = j * ss.size() + i;
      out << format_double(ss[i]) << "," << format_double(ts[j]) << ","
          << format_double(train.loss[k]) << "," << format_double(train.accuracy[k]);
      if (test)
        out << "," << format_double(test->loss[k]) << "," << format_double(test->accuracy[k]);
      out << "\n";
    }
  return out.str();
}

// A box around the points with a margin of `margin` of its size on every side (at least
// `least` wide along each axis).
void box_around(const std::vector<std::pair<double, double>>& pts, double margin, double least,
                double& s0, double& s1, double& t0, double& t1) {
  s0 = t0 = INFINITY;
  s1 = t1 = -INFINITY;
  for (const auto& [s, t] : pts) {
    s0 = std::min(s0, s), s1 = std::max(s1, s);
    t0 = std::min(t0, t), t1 = std::max(t1, t);
  }
  const double ws = std::max(s1 - s0, least), wt = std::max(t1 - t0, least);
  const double cs = (s0 + s1) / 2, ct = (t0 + t1) / 2;
  s0 = cs - ws * (0.5 + margin), s1 = cs + ws * (0.5 + margin);
  t0 = ct - wt * (0.5 + margin), t1 = ct + wt * (0.5 + margin);
}

// A path on a plane for the figures: its points (s, t) with the surface's value there.
plot::Path plane_path(const std::string& label, const std::vector<std::pair<double, double>>& pts,
                      const Objective& surface) {
  plot::Path p;
  p.label = label;
  p.trajectory.dim = 2;
  for (std::size_t k = 0; k < pts.size(); ++k) {
    const std::vector<double> x = {pts[k].first, pts[k].second};
    p.trajectory.steps.push_back(k);
    p.trajectory.points.insert(p.trajectory.points.end(), x.begin(), x.end());
    p.trajectory.loss.push_back(surface.value(x));
  }
  return p;
}

}  // namespace

int landscape_command(const LandscapeArgs& args) {
  const Clock::time_point start = Clock::now();
  const fs::path from = args.from;
  const fs::path out = args.out ? fs::path(*args.out) : from / "landscape";
  const std::size_t grid = parse_count(args.grid, "--grid", 1001);
  if (grid < 3) throw InputError("--grid: must be at least 3");
  const std::size_t want_train = parse_count(args.images, "--images", std::size_t{1} << 40);
  const std::size_t want_test =
      parse_count(args.test_images, "--test-images", std::size_t{1} << 40);
  if (want_train == 0 || want_test == 0)
    throw InputError("--images and --test-images must be at least 1");
  const auto range = parse_double(args.range);
  if (!range || !(*range > 0) || !(*range <= 1000))
    throw InputError("--range: must be a number in (0, 1000]");
  const std::size_t asked_through =
      args.through ? parse_count(*args.through, "--through", 1u << 20) : 0;
  const std::uint64_t seed = parse_count(args.seed, "--seed", std::size_t{1} << 53);
  const unsigned threads = args.threads ? parse_thread_count(*args.threads) : descent::threads();
  const plot::Format format = plot::parse_format(args.format);

  // What descent train wrote.
  const fs::path json_path = from / "train.json";
  std::ifstream jin(json_path);
  if (!jin)
    throw InputError("cannot read '" + json_path.string() +
                     "': --from must name a folder that descent train wrote");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(jin);
  } catch (const nlohmann::json::exception& e) {
    throw InputError("'" + json_path.string() + "' is not valid JSON: " + e.what());
  }
  std::vector<std::size_t> sizes;
  std::vector<std::string> specs;
  std::vector<bool> diverged;  // the run's last epoch diverged (train.json)
  std::uint64_t train_seed = 0;
  std::size_t trained_on = 0;
  std::string data_named, model_name = "mlp";
  try {
    if (meta.contains("model")) model_name = meta.at("model").get<std::string>();
    sizes = meta.at("sizes").get<std::vector<std::size_t>>();
    train_seed = meta.at("seed").get<std::uint64_t>();
    trained_on = meta.at("train_images").get<std::size_t>();
    data_named = meta.at("data").get<std::string>();
    for (const auto& r : meta.at("runs")) {
      specs.push_back(r.at("optimizer").get<std::string>());
      const auto& epochs = r.value("epochs", nlohmann::json::array());
      diverged.push_back(!epochs.empty() && epochs.back().value("diverged", false));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError("'" + json_path.string() + "' is not a training summary: " + e.what());
  }
  if (specs.empty()) throw InputError("'" + json_path.string() + "' names no runs");
  if (args.through && (asked_through == 0 || asked_through > specs.size()))
    throw InputError(fmt::format("--through: must be from 1 to {} (the runs in '{}')", specs.size(),
                                 json_path.string()));

  nn::Mlp<float> model(sizes);
  model.initialize(train_seed);
  const std::vector<float> init(model.parameters().begin(), model.parameters().end());
  std::vector<Run> runs;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    Run r;
    r.spec = specs[i];
    r.label = short_label(specs[i]);
    const fs::path ckpt = from / "checkpoints" / fmt::format("optimizer-{}.ckpt", i + 1);
    Checkpoint<float> c = load_checkpoint<float>(ckpt);
    if (c.spec != specs[i] || c.w.size() != model.parameter_count())
      throw InputError(fmt::format("checkpoint '{}' does not belong to the run '{}' of '{}'",
                                   ckpt.string(), specs[i], json_path.string()));
    r.solution = std::move(c.w);
    const fs::path it = from / "iterates" / fmt::format("optimizer-{}.bin", i + 1);
    if (fs::exists(it)) r.iterates = nn::read_iterates(it, model.parameter_count());
    // The path ends at the solution, whether or not the last epoch was kept.
    if (r.iterates.empty()) r.iterates.push_back(init);
    if (r.iterates.back() != r.solution) r.iterates.push_back(r.solution);
    runs.push_back(std::move(r));
  }
  // A run that diverged (train.json says so, or its parameters are not finite) is left out of
  // the lines, the paths and the planes: its losses are not finite, and its huge parameters would
  // swamp the others'. The planes go through the first run left unless --through names one.
  const auto finite = [](const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
  };
  std::vector<const Run*> healthy;
  std::size_t through = asked_through;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!diverged[i] && finite(runs[i].solution) &&
        std::all_of(runs[i].iterates.begin(), runs[i].iterates.end(), finite)) {
      healthy.push_back(&runs[i]);
      if (through == 0) through = i + 1;
    } else if (i + 1 == asked_through) {
      throw InputError(fmt::format("--through {}: run '{}' diverged; choose another run",
                                   asked_through, runs[i].spec));
    } else {
      fmt::print(stderr, "note: run {} ({}) diverged: it is left out of the lines and planes\n",
                 i + 1, runs[i].label);
    }
  }
  if (healthy.empty())
    throw InputError("every run of '" + json_path.string() + "' diverged: no landscape to draw");
  const bool two = healthy.size() >= 2;
  std::size_t kept = 0;
  for (const Run* r : healthy) kept += r->iterates.size();
  // The PCA plane needs three iterates at least: the initialization, one kept epoch and the end.
  if (kept < 3)
    fmt::print(stderr,
               "note: {} iterates in all: too few for the PCA plane of the paths (train more "
               "epochs, or keep more with a smaller --iterate-every)\n",
               kept);
  const bool pca_files = kept >= 3;  // checked below; written where the plane exists

  // Every output, checked before any work.
  const std::string ext = plot::extension(format);
  Outputs outputs;
  outputs.folder(out);
  for (const char* f : {"line.csv", "plane.csv", "landscape.json"}) outputs.file(out / f);
  if (pca_files) {
    outputs.file(out / "paths-pca.csv");
    outputs.file(out / "paths-pca-plane.csv");
  }
  if (two) {
    outputs.file(out / "paths-exact.csv");
    outputs.file(out / "paths-exact-plane.csv");
  }
  if (!args.no_plots) {
    for (const char* f : {"line", "plane-contour", "plane-surface"})
      outputs.file(out / (std::string(f) + ext));
    if (pca_files) {
      outputs.file(out / ("paths-pca-contour" + ext));
      outputs.file(out / ("paths-pca-surface" + ext));
    }
    if (two) {
      outputs.file(out / ("paths-exact-contour" + ext));
      outputs.file(out / ("paths-exact-surface" + ext));
    }
  }

  const Run& centre = runs[through - 1];

  const fs::path data_dir = args.data ? fs::path(*args.data) : fs::path(data_named);
  const std::size_t n_train = std::min(want_train, trained_on);
  const nn::ImageDataset data = nn::load_image_dataset(data_dir, n_train, want_test);
  set_threads(threads);
  // The paths' PCA plane, found before any work, so that iterates on one line leave it out with a
  // note rather than stop the command halfway.
  std::optional<nn::PcaPlane> pca_plane;
  if (pca_files) {
    std::vector<std::vector<float>> all;
    for (const Run* r : healthy) all.insert(all.end(), r->iterates.begin(), r->iterates.end());
    try {
      pca_plane.emplace(nn::pca_plane<float>(centre.solution, all));
    } catch (const InputError& e) {
      fmt::print(stderr, "note: {}; the paths' PCA plane is left out\n", e.what());
    }
  }
  const bool pca_ok = pca_plane.has_value();
  nn::set_blas_threads(1);  // the cells run on descent's threads, each with its own products
  std::string shape;
  for (std::size_t s : sizes) shape += (shape.empty() ? "" : "-") + std::to_string(s);
  fmt::print("landscape {} {} from {} ({} runs), on {} training and {} test images\n", model_name,
             shape, from.string(), runs.size(), data.train.count, data.test.count);
  fmt::print("threads   {}\n\n", workers_text(threads));
  const std::span<const float> xtr = data.train.x, xte = data.test.x;
  const std::span<const std::uint8_t> ytr = data.train.y, yte = data.test.y;
  nlohmann::json summary = {{"from", from.string()},
                            {"sizes", sizes},
                            {"train_images", data.train.count},
                            {"test_images", data.test.count},
                            {"grid", grid},
                            {"threads", threads},
                            {"ranks", shared_group() ? shared_group()->size() : 1},
                            {"through", centre.spec}};
  const std::string model_text =
      fmt::format("{} {}, {} images", model_name, shape, data.train.count);

  // 1-D: from the initialization to the solution, and between the first two runs' solutions.
  const std::vector<double> ts = axis(-0.5, 1.5, 81);
  struct Line {
    std::string name;
    const std::vector<float>* a;
    const std::vector<float>* b;
  };
  std::vector<Line> lines = {{"initialization to " + centre.label, &init, &centre.solution}};
  if (two)
    lines.push_back({healthy[0]->label + " to " + healthy[1]->label, &healthy[0]->solution,
                     &healthy[1]->solution});
  std::ostringstream line_csv;
  line_csv << "line,t,train_loss,train_accuracy,test_loss,test_accuracy\n";
  std::vector<plot::Series> line_series;
  Clock::time_point t0 = Clock::now();
  for (const Line& l : lines) {
    ProgressLine bar("line " + l.name, "points");
    const auto progress = [&](std::size_t d, std::size_t t) { bar(d, t); };
    const nn::SliceValues tr = nn::line_landscape<float>(model, *l.a, *l.b, ts, xtr, ytr, progress);
    const nn::SliceValues te = nn::line_landscape<float>(model, *l.a, *l.b, ts, xte, yte, progress);
    bar.finish();
    for (std::size_t k = 0; k < ts.size(); ++k)
      line_csv << '"' << l.name << "\"," << format_double(ts[k]) << "," << format_double(tr.loss[k])
               << "," << format_double(tr.accuracy[k]) << "," << format_double(te.loss[k]) << ","
               << format_double(te.accuracy[k]) << "\n";
    line_series.push_back({l.name + ", training images", ts, tr.loss});
    line_series.push_back({l.name + ", test images", ts, te.loss});
  }
  write_file_atomically(out / "line.csv", line_csv.str());
  summary["line_seconds"] = seconds_since(t0);
  fmt::print("line      {} lines of {} points in {:.1f} s\n", lines.size(), ts.size(),
             seconds_since(t0));

  // 2-D: the filter-normalised random plane through the chosen solution.
  std::copy(centre.solution.begin(), centre.solution.end(), model.parameters().begin());
  const std::vector<float> d1 = nn::filter_normalized_direction(model, seed);
  const std::vector<float> d2 = nn::filter_normalized_direction(model, seed + 1);
  const std::vector<double> ss = axis(-*range, *range, grid);
  t0 = Clock::now();
  const nn::SliceValues plane_tr =
      plane_with_progress("plane (train)", model, d1, d2, ss, ss, xtr, ytr);
  const double plane_train_seconds = seconds_since(t0);
  const nn::SliceValues plane_te =
      plane_with_progress("plane (test)", model, d1, d2, ss, ss, xte, yte);
  write_file_atomically(out / "plane.csv", plane_csv(ss, ss, plane_tr, &plane_te));
  summary["plane"] = {{"range", *range},
                      {"seed", seed},
                      {"seconds_train", plane_train_seconds},
                      {"seconds_all", seconds_since(t0)}};
  fmt::print("plane     {} x {} cells through {} in {:.1f} s ({:.1f} s on the training images)\n",
             grid, grid, centre.label, seconds_since(t0), plane_train_seconds);

  // The paths on the plane of their principal components, through the chosen solution.
  std::optional<FunctionObjective> pca_surface_kept;
  if (pca_ok) {
    t0 = Clock::now();
    const nn::PcaPlane& pca = *pca_plane;
    double s0, s1, q0, q1;
    box_around(pca.coordinates, 0.15, 1e-3, s0, s1, q0, q1);
    const std::vector<double> ps = axis(s0, s1, grid), pt = axis(q0, q1, grid);
    const std::vector<float> u1(pca.d1.begin(), pca.d1.end()), u2(pca.d2.begin(), pca.d2.end());
    const nn::SliceValues pca_tr =
        plane_with_progress("paths on the PCA plane", model, u1, u2, ps, pt, xtr, ytr);
    write_file_atomically(out / "paths-pca-plane.csv", plane_csv(ps, pt, pca_tr, nullptr));
    const FunctionObjective& pca_surface = pca_surface_kept.emplace(grid_surface(
        ps, pt, pca_tr.loss,
        fmt::format("{}; d1, d2: the paths' principal components ({:.1f}% + {:.1f}% of the "
                    "variance)",
                    model_text, 100 * pca.explained[0], 100 * pca.explained[1]),
        "loss(w* + w1 d1 + w2 d2)"));
    {
      // Each iterate's true loss beside the plane's value at its projection; the iterates are
      // evaluated side by side (over the ranks too, under mpirun).
      std::vector<std::pair<const Run*, std::size_t>> iterates;
      for (const Run* r : healthy)
        for (std::size_t i = 0; i < r->iterates.size(); ++i) iterates.emplace_back(r, i);
      const std::vector<std::string> losses = distributed_map(iterates.size(), [&](std::size_t k) {
        nn::Mlp<float> at(model);
        const std::vector<float>& w = iterates[k].first->iterates[iterates[k].second];
        std::copy(w.begin(), w.end(), at.parameters().begin());
        return std::move(Bytes().put(at.evaluate(xtr, ytr).loss)).release();
      });
      std::ostringstream csv;
      csv << "optimizer,iterate,s,t,loss,plane_loss\n";
      for (std::size_t k = 0; k < iterates.size(); ++k) {
        const auto [s, t] = pca.coordinates[k];
        csv << '"' << iterates[k].first->spec << "\"," << iterates[k].second << ","
            << format_double(s) << "," << format_double(t) << ","
            << format_double(Bytes(losses[k]).take<double>()) << ","
            << format_double(pca_surface.value(std::vector<double>{s, t})) << "\n";
      }
      write_file_atomically(out / "paths-pca.csv", csv.str());
    }
    summary["pca"] = {{"explained_variance", {pca.explained[0], pca.explained[1]}},
                      {"seconds", seconds_since(t0)}};
    fmt::print("paths     PCA plane ({:.1f}% + {:.1f}% of the variance) in {:.1f} s\n",
               100 * pca.explained[0], 100 * pca.explained[1], seconds_since(t0));
  }

  // For two runs or more: the plane through the shared start and the first two solutions, on
  // which those three points lie exactly (the paths between them are projected). e1 points to
  // the first solution, e2 to the part of the second orthogonal to e1.
  std::optional<FunctionObjective> exact_surface;
  std::vector<std::vector<std::pair<double, double>>> exact_paths;
  if (two) {
    t0 = Clock::now();
    const std::size_t n = init.size();
    std::vector<double> e1(n), e2(n);
    const auto unit = [](std::vector<double>& v) {
      double len = 0;
      for (double x : v) len += x * x;
      len = std::sqrt(len);
      if (len > 0)
        for (double& x : v) x /= len;
      return len;
    };
    for (std::size_t i = 0; i < n; ++i) {
      e1[i] = static_cast<double>(healthy[0]->solution[i]) - init[i];
      e2[i] = static_cast<double>(healthy[1]->solution[i]) - init[i];
    }
    const double l1 = unit(e1);
    double dot = 0;
    for (std::size_t i = 0; i < n; ++i) dot += e2[i] * e1[i];
    for (std::size_t i = 0; i < n; ++i) e2[i] -= dot * e1[i];
    const double l2 = unit(e2);
    if (!(l1 > 0) || !(l2 > 1e-9 * l1)) {
      fmt::print(stderr,
                 "note: the start and the solutions of {} and {} lie on one line: no plane "
                 "through them\n",
                 healthy[0]->label, healthy[1]->label);
    } else {
      std::vector<std::pair<double, double>> pts;
      std::ostringstream csv;
      csv << "optimizer,iterate,s,t\n";
      for (const Run* r : healthy) {
        exact_paths.emplace_back();
        for (std::size_t k = 0; k < r->iterates.size(); ++k) {
          double a = 0, b = 0;
          for (std::size_t i = 0; i < n; ++i) {
            const double d = static_cast<double>(r->iterates[k][i]) - init[i];
            a += d * e1[i];
            b += d * e2[i];
          }
          exact_paths.back().emplace_back(a, b);
          pts.emplace_back(a, b);
          csv << '"' << r->spec << "\"," << k << "," << format_double(a) << "," << format_double(b)
              << "\n";
        }
      }
      write_file_atomically(out / "paths-exact.csv", csv.str());
      double s0, s1, q0, q1;
      box_around(pts, 0.15, 1e-3, s0, s1, q0, q1);
      const std::vector<double> es = axis(s0, s1, grid), et = axis(q0, q1, grid);
      nn::Mlp<float> at_start(model);
      std::copy(init.begin(), init.end(), at_start.parameters().begin());
      const std::vector<float> f1(e1.begin(), e1.end()), f2(e2.begin(), e2.end());
      const nn::SliceValues ex = plane_with_progress("paths on the plane of their ends", at_start,
                                                     f1, f2, es, et, xtr, ytr);
      write_file_atomically(out / "paths-exact-plane.csv", plane_csv(es, et, ex, nullptr));
      exact_surface = grid_surface(
          es, et, ex.loss,
          fmt::format("{}; the start w0 and the first two solutions lie on it", model_text),
          "loss(w0 + w1 e1 + w2 e2)");
      summary["exact"] = {{"seconds", seconds_since(t0)}};
      fmt::print("paths     plane of the start and two solutions in {:.1f} s\n", seconds_since(t0));
    }
  }
  summary["seconds"] = seconds_since(start);
  write_file_atomically(out / "landscape.json", summary.dump(1) + "\n");

  if (!args.no_plots) {
    plot::LineChart line{"Loss along lines through parameter space",
                         model_text,
                         "t (0: the line's start, 1: its end)",
                         "mean cross-entropy",
                         true,
                         line_series};
    // Each line in one colour: solid on the training images, dashed on the test images.
    for (std::size_t k = 0; k < line_series.size(); ++k) {
      line.colors.push_back(k / 2);
      if (k % 2 == 1) line.dashed.push_back(k);
    }
    plot::draw_line_chart(line, out / ("line" + ext), format);
    const FunctionObjective plane_surface = grid_surface(
        ss, ss, plane_tr.loss,
        fmt::format("{}; d1, d2: filter-normalised random directions (seed {})", model_text, seed),
        "loss(w* + w1 d1 + w2 d2)");
    plot::Scene scene{
        &plane_surface,
        {plane_path("w*: " + centre.label + "'s solution", {{0.0, 0.0}}, plane_surface)}};
    plot::draw(plot::Kind::contour, scene, out / ("plane-contour" + ext), format);
    plot::draw(plot::Kind::surface3d, scene, out / ("plane-surface" + ext), format);
    if (pca_plane) {
      plot::Scene paths{&*pca_surface_kept, {}};
      std::size_t k = 0;
      for (const Run* r : healthy) {
        std::vector<std::pair<double, double>> pts(
            pca_plane->coordinates.begin() + static_cast<std::ptrdiff_t>(k),
            pca_plane->coordinates.begin() + static_cast<std::ptrdiff_t>(k + r->iterates.size()));
        k += r->iterates.size();
        paths.paths.push_back(plane_path(r->label, pts, *pca_surface_kept));
      }
      plot::draw(plot::Kind::contour, paths, out / ("paths-pca-contour" + ext), format);
      plot::draw(plot::Kind::surface3d, paths, out / ("paths-pca-surface" + ext), format);
    }
    if (exact_surface) {
      plot::Scene ex{&*exact_surface, {}};
      for (std::size_t i = 0; i < healthy.size(); ++i)
        ex.paths.push_back(plane_path(healthy[i]->label, exact_paths[i], *exact_surface));
      plot::draw(plot::Kind::contour, ex, out / ("paths-exact-contour" + ext), format);
      plot::draw(plot::Kind::surface3d, ex, out / ("paths-exact-surface" + ext), format);
    }
  }
  fmt::print("\nwrote     {} in {:.1f} s\n", out.string(), seconds_since(start));
  return 0;
}

}  // namespace descent::cli
