#!/usr/bin/python3
"""scikit-learn side of bench/iforest-vs-sklearn.sh.

  sklearn_iforest.py gen DIR [--train 10000 --test 100000 --dims 16 --seed 1]   writes DIR/train.csv and DIR/test.csv
  sklearn_iforest.py run DIR [--trees 100 --subsample 256 --seed 1 --repeats 5] prints one JSON line

Data: a 3-regime machine (three correlated Gaussian operating points in --dims features). The test set is 99 %
drawn like training and 1 % anomalies, half of them uniform over a box 1.5x the training range and half a normal row
with 3 features pushed 4-7 standard deviations out; the last test column is the 0/1 label.
IsolationForest runs with n_jobs=1 (one thread), like the C# side.
"""
import json
import pickle
import sys
import time

import numpy as np


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def generate(directory):
    n_train, n_test, dims, seed = arg("--train", 10000), arg("--test", 100000), arg("--dims", 16), arg("--seed", 1)
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(3, dims))
    mixing = [rng.normal(0, 1, size=(dims, dims)) / np.sqrt(dims) for _ in range(3)]
    weights = np.array([0.5, 0.3, 0.2])

    def normal_rows(n):
        regime = rng.choice(3, size=n, p=weights)
        z = rng.normal(size=(n, dims))
        return np.stack([centres[r] + z[i] @ mixing[r] for i, r in enumerate(regime)])

    train = normal_rows(n_train)
    n_anomalies = n_test // 100
    inliers = normal_rows(n_test - n_anomalies)
    lo, hi = train.min(axis=0), train.max(axis=0)
    span = hi - lo
    box = rng.uniform(lo - 0.25 * span, hi + 0.25 * span, size=(n_anomalies // 2, dims))
    pushed = normal_rows(n_anomalies - n_anomalies // 2)
    sd = train.std(axis=0)
    for row in pushed:
        for j in rng.choice(dims, size=3, replace=False):
            row[j] += rng.choice([-1, 1]) * rng.uniform(4, 7) * sd[j]
    test = np.vstack([inliers, box, pushed])
    labels = np.r_[np.zeros(len(inliers)), np.ones(n_anomalies)]
    order = rng.permutation(len(test))
    np.savetxt(f"{directory}/train.csv", train, delimiter=",", fmt="%.9g")
    np.savetxt(f"{directory}/test.csv", np.column_stack([test[order], labels[order]]), delimiter=",",
               fmt=["%.9g"] * dims + ["%d"])


def run(directory):
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    import sklearn

    trees, subsample, seed, repeats = arg("--trees", 100), arg("--subsample", 256), arg("--seed", 1), arg("--repeats", 5)
    train = np.loadtxt(f"{directory}/train.csv", delimiter=",")
    test = np.loadtxt(f"{directory}/test.csv", delimiter=",")
    x, y = test[:, :-1], test[:, -1]

    train_s, model = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        model = IsolationForest(n_estimators=trees, max_samples=subsample, random_state=seed, n_jobs=1).fit(train)
        train_s = min(train_s, time.perf_counter() - t)

    # Wall and process CPU time, best of the repeats (as on the C# side).
    score_s, score_cpu_s, scores = float("inf"), float("inf"), None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        scores = -model.score_samples(x)   # higher = more anomalous, as 2^(-E[h]/c) on the C# side
        score_s = min(score_s, time.perf_counter() - t)
        score_cpu_s = min(score_cpu_s, time.process_time() - c)

    latencies = []
    for i in range(min(2000, len(x))):
        row = x[i:i + 1]
        t = time.perf_counter()
        model.score_samples(row)
        latencies.append((time.perf_counter() - t) * 1e6)
    latencies.sort()

    print(json.dumps({
        "impl": f"sklearn {sklearn.__version__}", "train_rows": len(train), "test_rows": len(x), "dims": x.shape[1],
        "trees": trees, "psi": subsample, "train_s": round(train_s, 4), "score_s": round(score_s, 4),
        "rows_per_s": round(len(x) / score_s), "score_cpu_s": round(score_cpu_s, 4),
        "rows_per_cpu_s": round(len(x) / score_cpu_s), "single_us_median": round(latencies[len(latencies) // 2], 2),
        "single_us_p99": round(latencies[int(len(latencies) * 0.99)], 2), "auc": round(roc_auc_score(y, scores), 5),
        "model_bytes": len(pickle.dumps(model)),
    }))


if __name__ == "__main__":
    {"gen": generate, "run": run}[sys.argv[1]](sys.argv[2])
