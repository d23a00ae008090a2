"""`python -m index bench --scaling`: how the index behaves at 1k to 1M chunks.

There is no corpus of a million chunks here, so one is made from the paper, with the
structure that decides how search behaves:
  - vectors: each a Dirichlet mixture of 3 real chunk/sentence vectors of the paper plus
    Gaussian noise, normalised. Uniform random vectors would be nearly orthogonal and make
    HNSW recall meaningless; these have the paper's nearest-neighbour cosines (reported);
  - text: the paper's sentences recombined to its chunk lengths, 15% of words replaced by
    pseudo-words drawn from a Zipf law over 200k, so the vocabulary grows with the corpus as
    a real one does (BM25's cost follows the posting lists).
Queries: the dev questions' real vectors and texts, plus held-out synthetic ones.

Each size runs in two fresh processes, so that memory figures are its own: one builds with
the project's own code (index.dense parameters, KeywordIndex) and writes the files the
index would hold; one loads them, measures latency, RSS and HNSW recall@10 against exact
search (IndexFlatIP over the same vectors), tuning efSearch to the smallest value >= 0.95.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ingest.errors import SettingsError
from ingest.settings import Settings

QUERIES = 200
DEPTH = 50  # what Searcher.search asks each ranking for (max(50, 4k))
TARGET_RECALL = 0.95
EF_GRID = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
REPLACED_WORDS, PSEUDO_VOCABULARY = 0.15, 200_000
SYLLABLES = ("ba", "ko", "ri", "tu", "ne", "sa", "mo", "li", "da", "pe", "gu", "zo", "fi", "ha", "we", "ju")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.strip().lower().replace("k", "000").replace("m", "000000")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise SettingsError(f"--sizes: {text!r} is not a comma-separated list of chunk counts") from None
    if not sizes or min(sizes) < 100:
        raise SettingsError("--sizes: give chunk counts of at least 100, e.g. 1000,10000,100000,1000000")
    return sorted(sizes)


def run_scaling(settings: Settings, sizes: list[int], out: Path, gold: Path, log: Callable[[str], None]) -> int:
    from index.benchmark import run_process, write_json

    work = Path(tempfile.mkdtemp(prefix="policy-qa-scaling-"))
    try:
        _seed_material(settings, gold, work, log)
        results = []
        for n in sizes:
            folder = work / f"n{n}"
            folder.mkdir()
            args = [str(work), str(folder), str(n), json.dumps(_params(settings))]
            env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
            started = time.perf_counter()
            log(f"{n:,} chunks: building")
            build = run_process([sys.executable, "-c", "from index.scaling import build_size; build_size()", *args], env,
                                stream_stderr=True)
            log(f"{n:,} chunks: searching")
            search = run_process([sys.executable, "-c", "from index.scaling import search_size; search_size()", *args],
                                 env, stream_stderr=True)
            result = json.loads(build.stdout.strip().splitlines()[-1]) | json.loads(search.stdout.strip().splitlines()[-1])
            result["build_peak_rss_mb"] = round(build.peak_rss_mb)
            results.append(result)
            shutil.rmtree(folder, ignore_errors=True)
            log(f"{n:,} chunks: done in {time.perf_counter() - started:.0f} s")
            write_json({"settings": _params(settings), "sizes": results}, out, "scaling.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(render_scaling(results, _params(settings)))
    print(f"written: {out / 'scaling.json'}, {plot_scaling(results, out / 'scaling.png')}")
    return 0


def _params(settings: Settings) -> dict:
    return {"hnsw_threshold": settings.hnsw_threshold, "hnsw_m": settings.hnsw_m,
            "ef_construction": settings.hnsw_ef_construction, "ef_search": settings.hnsw_ef_search}


def _seed_material(settings: Settings, gold: Path, work: Path, log) -> None:
    """Real vectors, sentences and question vectors of the paper, for the generators."""
    from index.builder import build_index
    from index.evaluation import load_questions
    from index.query_embedder import load_query_embedder
    from index.store import read_index

    log("indexing the paper for real vectors and sentences")
    paper = settings.with_(index_dir=work / "paper")
    build_index(paper)
    data = read_index(paper.index_dir, load_models=False)
    np.save(work / "base.npy", np.concatenate([data.chunk_vectors, data.sentence_vectors]), allow_pickle=False)
    questions = [q.question for q in load_questions(gold)]
    embedder = load_query_embedder(paper, data.manifest)
    np.save(work / "questions.npy", embedder.embed(questions), allow_pickle=False)
    lengths = [len(c.embed_text) for c in data.chunks]
    (work / "text.json").write_text(json.dumps({"sentences": [s.text for s in data.sentences],
                                                "chunk_lengths": lengths, "questions": questions}), encoding="utf-8")


# --- generators ----------------------------------------------------------------------------

def synthetic_vectors(base: np.ndarray, n: int, seed: int, noise: float = 0.6) -> np.ndarray:
    """n unit vectors, each a random mixture of 3 real ones plus noise (see the module doc)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        picks = rng.integers(0, len(base), (m, 3))
        weights = rng.dirichlet((1.0, 1.0, 1.0), m).astype(np.float32)
        v = np.einsum("mk,mkd->md", weights, base[picks])
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        v += rng.normal(0, noise / np.sqrt(base.shape[1]), v.shape).astype(np.float32)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def pseudo_word(i: int) -> str:
    """A pronounceable, letters-only word per integer (the tokenizer keeps [a-z]+ runs)."""
    word = ""
    while True:
        word += SYLLABLES[i % len(SYLLABLES)]
        i //= len(SYLLABLES)
        if i == 0:
            return word + "x"  # an ending no English stem rule strips: ids stay distinct


def synthetic_texts(sentences: list[str], lengths: list[int], n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    split = [s.split() for s in sentences]
    ranks = np.minimum(rng.zipf(1.3, size=2_000_000), PSEUDO_VOCABULARY) - 1
    vocabulary = [pseudo_word(i) for i in range(PSEUDO_VOCABULARY)]
    targets = rng.choice(np.asarray(lengths), size=n)
    picks = rng.integers(0, len(split), size=(n, 40))
    texts, cursor = [], 0
    for row in range(n):
        words, size, j = [], 0, 0
        while size < targets[row] and j < 40:
            sentence = split[picks[row, j]]
            words.extend(sentence)
            size += sum(map(len, sentence)) + len(sentence)
            j += 1
        replace = rng.random(len(words)) < REPLACED_WORDS
        for k in np.flatnonzero(replace):
            words[k] = vocabulary[ranks[cursor % len(ranks)]]
            cursor += 1
        texts.append(" ".join(words))
    return texts


def _nn_cosine(vectors: np.ndarray, sample: int = 500) -> float:
    """Mean cosine of a vector to its nearest other vector: how clustered the set is."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, _ = index.search(vectors[:sample], 2)
    return float(scores[:, 1].mean())


# --- the two processes of one size ------------------------------------------------------------

def build_size() -> None:
    """Fresh process: generate, build with the project's code, write what the index would hold."""
    import faiss

    from index.dense import DenseParams, index_type
    from index.keyword import KeywordIndex

    work, folder, n, params = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
    material = json.loads((work / "text.json").read_text(encoding="utf-8"))
    result: dict = {"chunks": n}
    _say(f"  generating {n:,} texts")
    texts = synthetic_texts(material["sentences"], material["chunk_lengths"], n, seed=n)
    result["mean_chunk_chars"] = round(float(np.mean([len(t) for t in texts[:10_000]])))
    queries = material["questions"] + synthetic_texts(material["sentences"], [60] * 10, QUERIES, seed=7)
    (folder / "queries.json").write_text(json.dumps(queries[:QUERIES]), encoding="utf-8")
    _say("  BM25 index (tokenize + bm25s)")
    started = time.perf_counter()
    keyword = KeywordIndex.build(texts)
    result["build_bm25_s"] = round(time.perf_counter() - started, 2)
    keyword.save(folder / "keyword")
    del keyword, texts
    gc.collect()

    base = np.load(work / "base.npy")
    _say(f"  generating {n:,} vectors")
    vectors = synthetic_vectors(base, n, seed=n)
    held_out = synthetic_vectors(base, QUERIES, seed=n + 1)
    query_vectors = np.concatenate([np.load(work / "questions.npy"), held_out])[:QUERIES]
    result["nn_cosine"] = round(_nn_cosine(vectors), 3)
    result["nn_cosine_paper"] = round(_nn_cosine(base), 3)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(query_vectors, 10)
    del exact
    np.save(folder / "query_vectors.npy", query_vectors, allow_pickle=False)
    np.save(folder / "truth.npy", truth, allow_pickle=False)
    np.save(folder / "chunk_vectors.npy", vectors, allow_pickle=False)  # the store keeps them either way
    dense = DenseParams(params["hnsw_threshold"], params["hnsw_m"], params["ef_construction"], params["ef_search"])
    result["index_type"] = index_type(n, dense)
    started = time.perf_counter()
    if result["index_type"] == "hnsw":
        # index.dense.build_dense's index, with the same parameters, added in parts to report progress.
        index = faiss.IndexHNSWFlat(vectors.shape[1], dense.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = dense.ef_construction
        for start in range(0, n, 100_000):
            index.add(vectors[start:start + 100_000])
            _say(f"  HNSW: {min(n, start + 100_000):,}/{n:,} added, {time.perf_counter() - started:.0f} s")
        result["build_dense_s"] = round(time.perf_counter() - started, 2)
        faiss.write_index(index, str(folder / "dense.faiss"))
    else:  # exact search: nothing is built or stored but the vectors, added back at load
        faiss.IndexFlatIP(vectors.shape[1]).add(vectors)
        result["build_dense_s"] = round(time.perf_counter() - started, 2)
    sizes = {p.name: sum(f.stat().st_size for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
             for p in folder.iterdir() if p.name in ("chunk_vectors.npy", "dense.faiss", "keyword")}
    result["disk_mb"] = {k: round(v / 2**20, 1) for k, v in sizes.items()} | {"total": round(sum(sizes.values()) / 2**20, 1)}
    print(json.dumps(result))


def search_size() -> None:
    """Fresh process: load as read_index does, then latency, recall and memory."""
    import faiss

    from index.benchmark import percentiles
    from index.dense import search_dense
    from index.fusion import reciprocal_rank_fusion
    from index.keyword import KeywordIndex

    folder, n, params = Path(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
    before = _rss_mb()
    vectors = np.load(folder / "chunk_vectors.npy")  # read_index loads them for HNSW too
    if (folder / "dense.faiss").is_file():
        index = faiss.read_index(str(folder / "dense.faiss"))
    else:
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
    keyword = KeywordIndex.load(folder / "keyword")
    result: dict = {"rss_serving_mb": round(_rss_mb()), "rss_index_mb": round(_rss_mb() - before)}
    queries = np.load(folder / "query_vectors.npy")
    truth = np.load(folder / "truth.npy")
    texts = json.loads((folder / "queries.json").read_text(encoding="utf-8"))

    def dense_pass() -> tuple[float, list[float]]:
        found, samples = [], []
        for q in queries:
            start = time.perf_counter()
            ids, _ = search_dense(index, q, DEPTH)
            samples.append((time.perf_counter() - start) * 1000)
            found.append(ids[:10])
        recall = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))
        return recall, samples

    if hasattr(index, "hnsw"):
        curve = []
        for ef in EF_GRID:
            index.hnsw.efSearch = ef
            dense_pass()  # warm-up: pages the graph in
            recall, samples = dense_pass()
            p50, p95 = percentiles(samples)
            curve.append({"ef_search": ef, "recall_at_10": round(recall, 4), "p50_ms": round(p50, 3), "p95_ms": round(p95, 3)})
            _say(f"  efSearch {ef}: recall@10 {recall:.3f}, p95 {p95:.2f} ms")
            if recall >= TARGET_RECALL and ef >= params["ef_search"]:
                break
        chosen = next((c for c in curve if c["recall_at_10"] >= TARGET_RECALL), curve[-1])
        default = next((c for c in curve if c["ef_search"] == params["ef_search"]), None)
        index.hnsw.efSearch = chosen["ef_search"]
        result["hnsw"] = {"m": params["hnsw_m"], "ef_construction": params["ef_construction"],
                          "ef_search_chosen": chosen["ef_search"], "default_ef_search": params["ef_search"],
                          "recall_at_default": default and default["recall_at_10"], "curve": curve}
    dense_pass()
    recall, samples = dense_pass()
    result["recall_at_10"] = round(recall, 4)
    result["dense_p50_ms"], result["dense_p95_ms"] = map(lambda x: round(x, 3), percentiles(samples))
    for q in texts[:20]:
        keyword.search(q, DEPTH)  # warm-up
    bm25 = []
    for q in texts:
        start = time.perf_counter()
        keyword.search(q, DEPTH)
        bm25.append((time.perf_counter() - start) * 1000)
    result["bm25_p50_ms"], result["bm25_p95_ms"] = map(lambda x: round(x, 3), percentiles(bm25))
    fused = []
    for vector, text in zip(queries, texts):
        start = time.perf_counter()
        rankings = [search_dense(index, vector, DEPTH)[0], keyword.search(text, DEPTH)[0]]
        reciprocal_rank_fusion([list(map(int, r)) for r in rankings], [1.0, 1.0])
        fused.append((time.perf_counter() - start) * 1000)
    result["fused_p50_ms"], result["fused_p95_ms"] = map(lambda x: round(x, 3), percentiles(fused))
    result["rss_peak_search_mb"] = round(_peak_rss_mb())
    print(json.dumps(result))


# --- report -----------------------------------------------------------------------------------

def render_scaling(results: list[dict], params: dict) -> str:
    lines = [f"scaling (dense params: M={params['hnsw_m']}, efConstruction={params['ef_construction']}, "
             f"efSearch default {params['ef_search']}; HNSW from {params['hnsw_threshold']:,} chunks; "
             f"latencies per query, k=10 of depth {DEPTH})",
             f"{'chunks':>9} {'type':>5} {'build dense':>11} {'build bm25':>10} {'disk MB':>8} "
             f"{'dense p50/p95 ms':>16} {'bm25 p50/p95':>13} {'fused p50/p95':>14} {'RSS MB':>7} "
             f"{'recall@10':>9} {'efS':>4} {'nn cos':>6}"]
    for r in results:
        ef = r.get("hnsw", {}).get("ef_search_chosen", "-")
        lines.append(
            f"{r['chunks']:>9,} {r['index_type']:>5} {r['build_dense_s']:>10.1f}s {r['build_bm25_s']:>9.1f}s "
            f"{r['disk_mb']['total']:>8.0f} {r['dense_p50_ms']:>7.2f}/{r['dense_p95_ms']:<8.2f} "
            f"{r['bm25_p50_ms']:>6.2f}/{r['bm25_p95_ms']:<6.2f} {r['fused_p50_ms']:>6.2f}/{r['fused_p95_ms']:<7.2f} "
            f"{r['rss_serving_mb']:>7} {r['recall_at_10']:>9.3f} {ef!s:>4} {r['nn_cosine']:>6.3f}")
    return "\n".join(lines)


def plot_scaling(results: list[dict], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    sizes = [r["chunks"] for r in results]
    figure, (latency, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("dense", "dense (FAISS)"), ("bm25", "BM25"), ("fused", "fused (dense + BM25 + RRF)")):
        (line,) = latency.plot(sizes, [r[f"{key}_p95_ms"] for r in results], marker="o", label=f"{label} p95")
        latency.plot(sizes, [r[f"{key}_p50_ms"] for r in results], marker=".", linestyle=":", color=line.get_color())
    for r in results:
        if "hnsw" in r:  # what the dense point costs: the efSearch that reached the recall
            latency.annotate(f"HNSW efSearch {r['hnsw']['ef_search_chosen']}\nrecall@10 {r['recall_at_10']:.3f}",
                             (r["chunks"], r["dense_p95_ms"]), textcoords="offset points", xytext=(-100, 4), fontsize=7)
    latency.axhline(20, color="grey", linewidth=0.8, linestyle="--", label="20 ms aim")
    latency.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms per query (dotted: p50)",
                title="search latency")
    latency.legend(fontsize=8, loc="upper left")
    memory.plot(sizes, [r["rss_serving_mb"] for r in results], marker="o", label="RSS, index loaded")
    memory.plot(sizes, [r["build_peak_rss_mb"] for r in results], marker="o", label="peak RSS, build")
    memory.plot(sizes, [r["disk_mb"]["total"] for r in results], marker="o", label="index on disk")
    memory.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MB", title="memory and disk")
    memory.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def _say(line: str) -> None:
    print(f"[scaling {time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
