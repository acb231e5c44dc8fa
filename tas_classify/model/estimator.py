"""``TasClassifier``: the text model + keyword rules ensemble, as a scikit-learn style estimator.

``fit`` learns a TF-IDF vocabulary over jieba words and character n-grams, a multinomial logistic
regression, and — on out-of-fold predictions — the calibrated combination with the keyword rules
(see :mod:`tas_classify.calibration`). Prediction needs only NumPy; scikit-learn and SciPy are
imported by ``fit`` alone.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from tas_classify import taxonomy
from tas_classify._resources import data_path
from tas_classify.calibration import combine, fit_combiner
from tas_classify.errors import (
    InvalidParameterError,
    MissingDependencyError,
    TrainingDataError,
)
from tas_classify.errors import NotFittedError as NotFittedError
from tas_classify.features import MAX_PACKED_NGRAM, SparseRows, TfidfVocabulary, line_features
from tas_classify.model.persistence import ModelFileError, read_model, save
from tas_classify.results import Result, ResultRow, results_of
from tas_classify.rules import RuleMatch, RuleMatcher, load_invoice_categories, load_rules
from tas_classify.taxonomy import Track
from tas_classify.text import (
    NormalisedText,
    Reading,
    normalise,
    normalise_batch,
    readings_batch,
    vague_lines,
)
from tas_classify.tokenize import WordTokenizer


def check_texts(texts: Iterable[Any]) -> list[str]:
    """The lines of ``texts``: a sequence of str, or a one-column 2-D array / DataFrame of str."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of str, got a single str; wrap it in a list")
    shape = getattr(texts, "shape", None)
    if shape is not None and len(shape) == 2:
        if shape[1] != 1:
            raise ValueError(
                f"expected one column of text, got a 2-D input with {shape[1]} columns"
            )
        texts = np.asarray(texts, dtype=object)[:, 0]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"text #{i} is {type(t).__name__}, not str")
    return out


def _remembered(
    normalised: Sequence[NormalisedText], labels: Sequence[str], keep: Sequence[bool]
) -> dict[str, str]:
    """Normalised training text → its label, for the kept lines whose text was never given two
    labels (among kept lines)."""
    seen: dict[str, set[str]] = {}
    for norm, label, kept in zip(normalised, labels, keep):
        if kept and norm.text:
            seen.setdefault(norm.text, set()).add(label)
    return {text: next(iter(codes)) for text, codes in sorted(seen.items()) if len(codes) == 1}


#: Lines analysed at a time: bounds the memory of one call however many lines it is given.
CHUNK_LINES = 2048


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off inside the block, and back as it was after it (also when
    the block raises): classifying makes many small objects and no reference cycles, and the
    collector's passes over them cost 8–12 % of a batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Makes a ResultRow from a tuple of its fields in :class:`ResultRow` order (``ResultRow(*fields)``
#: without the Python-level ``__new__``).
_ROW = tuple.__new__


class Seen:
    """Result rows (with a blank ``text``) found so far: by what a line reads as (``reads``)
    and by line as given (``lines``, so a repeated line is not even normalised again)."""

    def __init__(self) -> None:
        self.reads: dict[Reading, ResultRow] = {}
        self.lines: dict[str, ResultRow] = {}


def _drop_oldest(rows: dict[Any, ResultRow], keep: int) -> None:
    """Delete the first-inserted entries of ``rows`` past ``keep``."""
    extra = len(rows) - keep
    if extra > 0:
        for key in list(itertools.islice(rows, extra)):
            del rows[key]


class ResultMemo:
    """Results by what a line reads as (normalised text, invoice category, cut or not), kept
    across :meth:`TasClassifier.classify` calls — for a stream classified chunk by chunk, where
    a ledger's services repeat from one chunk to the next — and by line as given. Bounded: past
    ``max_lines`` of either kind the oldest go first (a result row takes about 2.5 KB, so the
    default holds about 10 MiB). Results depend on the model and its settings, so the memo
    keeps them per model object, track and review settings; changing any of them starts
    afresh."""

    def __init__(self, max_lines: int = 4096) -> None:
        self.max_lines = max_lines
        self._owner: tuple[Any, ...] = ()
        self._seen = Seen()

    def rows_for(self, model: TasClassifier, track: str | None) -> Seen:
        """The rows remembered for this model, track and settings (emptied if they changed)."""
        owner = (model, model.coef_, track, model.review_threshold, model.review_margin)
        same = len(self._owner) == len(owner) and all(
            a is b or (i > 1 and a == b) for i, (a, b) in enumerate(zip(self._owner, owner))
        )
        if not same:
            self._owner, self._seen = owner, Seen()
        return self._seen

    def trim(self) -> None:
        """Forget the oldest rows past ``max_lines`` (of each kind)."""
        _drop_oldest(self._seen.reads, self.max_lines)
        _drop_oldest(self._seen.lines, self.max_lines)

    def __len__(self) -> int:
        return len(self._seen.reads)


def _line_flags(
    *, empty: bool, no_evidence: bool, known: bool, vague: bool, filtered: bool, truncated: bool
) -> tuple[str, ...]:
    """The flags of a result (see :class:`Result`), in their fixed order."""
    flags = ["empty"] if empty else ["no_evidence"] if no_evidence else []
    if known:
        flags.append("known_line")
    if vague and not known and not empty:
        flags.append("vague")
    if filtered:
        flags.append("track_filtered")
    if truncated:
        flags.append("truncated")
    return tuple(flags)


def _training_data(
    X: Iterable[Any], y: Iterable[Any], groups: Iterable[Any] | None
) -> tuple[list[str], list[str], list[str] | None]:
    """Lines, labels and sources for ``fit``, checked: equal lengths, labels codes of SPEC §1."""
    texts = check_texts(X)
    labels = [str(v) for v in y]
    if len(texts) != len(labels):
        raise TrainingDataError(f"X has {len(texts)} lines but y has {len(labels)} labels")
    unknown = sorted(set(labels) - set(taxonomy.codes()))
    if unknown:
        raise TrainingDataError(
            f"unknown labels {unknown}; valid codes: {', '.join(taxonomy.codes())}"
        )
    group_of = None if groups is None else [str(g) for g in groups]
    if group_of is not None and len(group_of) != len(texts):
        raise TrainingDataError(f"X has {len(texts)} lines but groups has {len(group_of)} entries")
    return texts, labels, group_of


def _remember_mask(remember: Iterable[bool] | None, n: int) -> list[bool]:
    if remember is None:
        return [True] * n
    keep = [bool(r) for r in remember]
    if len(keep) != n:
        raise TrainingDataError(f"X has {n} lines but remember has {len(keep)} entries")
    return keep


def _require_training_extra() -> None:
    """Training needs scikit-learn, an optional extra: say how to get it, not a traceback."""
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            "training needs scikit-learn, which is not installed: "
            "pip install 'tas_classify[train]' (or, from a clone, pip install -e '.[train]')"
        ) from exc


def _tfidf_matrix(vocab: TfidfVocabulary, docs: Sequence[Any], rows: np.ndarray) -> Any:
    """The TF-IDF rows of ``docs[rows]`` as a SciPy CSR matrix, for scikit-learn."""
    from scipy.sparse import csr_matrix

    m = vocab.transform([docs[i] for i in rows])
    return csr_matrix((m.data, m.indices, m.indptr), shape=(m.n_rows, len(vocab.terms)))


class TasClassifier:
    """Classifies lines into the Annex 1 codes (scikit-learn estimator conventions).

    Parameters
    ----------
    C : inverse L2 regularisation strength of the logistic regression.
    char_ngrams : lengths of the character n-grams used as features.
    min_df : minimum number of training lines a feature must occur in.
    cv : folds for the out-of-fold predictions that calibrate the ensemble.
    random_state : seed for the fold split (training is deterministic).
    rules : path of a rules TOML file; ``None`` uses the shipped ``data/rules.toml``.
    invoice_categories : path of the invoice-category table (CSV); ``None`` uses the shipped
        ``data/invoice_categories.csv``.
    user_dict : extra jieba dictionary files, added to the shipped one.
    review_threshold : results with a lower confidence need review.
    review_margin : results whose runner-up is closer than this need review.
    memory : remember the training lines: a line identical to one (after normalisation) gets its
        label, flagged ``known_line`` — so a reviewer's correction holds for that line next time.
    """

    #: ``model.json`` of a loaded model (versions, hashes, training metrics).
    metadata_: dict[str, Any]

    def __init__(
        self,
        *,
        C: float = 20.0,
        char_ngrams: tuple[int, ...] = (1, 2, 3),
        min_df: int = 1,
        cv: int = 5,
        random_state: int = 0,
        rules: str | Path | None = None,
        invoice_categories: str | Path | None = None,
        user_dict: Sequence[str | Path] = (),
        review_threshold: float = 0.6,
        review_margin: float = 0.15,
        memory: bool = True,
    ) -> None:
        self.C = C
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.cv = cv
        self.random_state = random_state
        self.rules = rules
        self.invoice_categories = invoice_categories
        self.user_dict = user_dict
        self.review_threshold = review_threshold
        self.review_margin = review_margin
        self.memory = memory

    # ---------------------------------------------------------------- sklearn plumbing
    @classmethod
    def _get_param_names(cls) -> list[str]:
        import inspect

        sig = inspect.signature(cls.__init__)
        return sorted(p for p in sig.parameters if p != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> TasClassifier:
        valid = set(self._get_param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for TasClassifier")
            setattr(self, key, value)
        return self

    def __sklearn_tags__(self) -> Any:
        """scikit-learn tags: a classifier of raw text (one line, or a one-column 2-D input)."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
            input_tags=InputTags(one_d_array=True, two_d_array=True, string=True),
        )

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if defaults[k] != v}
        return f"TasClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __getstate__(self) -> dict[str, Any]:
        """For in-memory copies (joblib and Dask workers, ``copy.deepcopy``): self-contained —
        the tokenizer and rule matcher carry their dictionaries and rules, not file paths.
        Model *files* never use pickle: see :meth:`save`."""
        state = self.__dict__.copy()
        state.pop("_coef64_cache", None)
        return state

    # ---------------------------------------------------------------- files
    def save(
        self, path: str | Path, *, metrics: dict[str, Any] | None = None, data_sha256: str = ""
    ) -> Path:
        """Write this fitted model to the folder ``path`` (JSON + ``.npy``; no pickle)."""
        return save(self, path, metrics=metrics, data_sha256=data_sha256)

    @classmethod
    def load(cls, path: str | Path) -> TasClassifier:
        """A model folder written by :meth:`save`; altered, incompatible or malformed files are
        refused with a :class:`ModelFileError` (see :func:`~.persistence.read_model`)."""
        files = read_model(path)
        meta = files.meta
        meta_path = files.folder / "model.json"
        settable = set(cls._get_param_names()) - {"rules", "invoice_categories", "user_dict"}
        for name in files.params:
            if name not in settable:
                raise ModelFileError(
                    f"{meta_path}: field 'params.{name}': not a parameter of TasClassifier"
                )
        clf = cls(
            **files.params,
            rules=files.rules,
            invoice_categories=files.invoice_categories,
            user_dict=files.user_dicts,
        )
        try:
            clf.validate_params()
        except InvalidParameterError as exc:
            raise ModelFileError(f"{meta_path}: field 'params': {exc}") from exc
        clf.classes_ = np.array(meta["classes"])
        clf._build_components()
        if files.user_dicts:  # read the dictionaries now: a bad line fails here, not in classify
            try:
                clf.tokenizer_.words("")
            except (ValueError, UnicodeError) as exc:
                raise ModelFileError(
                    f"{files.folder}: user dictionaries {[p.name for p in files.user_dicts]} "
                    f"cannot be loaded ({exc})"
                ) from exc
        clf.vocabulary_ = TfidfVocabulary(meta["terms"], files.arrays["idf"])
        clf.coef_ = files.arrays["coef"]
        clf.intercept_ = files.arrays["intercept"]
        clf.text_scale_ = float(meta["text_scale"])
        clf.rule_scale_ = float(meta["rule_scale"])
        clf.coverage_scale_ = float(meta.get("coverage_scale", 0.0))
        clf.memory_ = files.memory
        clf.metadata_ = {k: v for k, v in meta.items() if k not in ("terms", "memory")}
        return clf

    # ---------------------------------------------------------------- components
    def rules_path(self) -> Path:
        return Path(self.rules) if self.rules is not None else data_path("rules.toml")

    def invoice_categories_path(self) -> Path:
        if self.invoice_categories is not None:
            return Path(self.invoice_categories)
        return data_path("invoice_categories.csv")

    def _build_components(self) -> None:
        self.tokenizer_ = WordTokenizer(tuple(Path(p) for p in self.user_dict))
        rules = load_rules(self.rules_path()) + load_invoice_categories(
            self.invoice_categories_path()
        )
        self.rule_matcher_ = RuleMatcher(rules, [str(c) for c in self.classes_])

    def _features(self, normalised: Sequence[NormalisedText]) -> list[list[str]]:
        return [line_features(n.text, self.tokenizer_, self.char_ngrams) for n in normalised]

    def _rows(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows of normalised texts: packed n-grams when they fit, feature strings else."""
        if max(self.char_ngrams, default=0) <= MAX_PACKED_NGRAM:
            words = self.tokenizer_.words_batch(texts, keep_punctuation=True)
            return self.vocabulary_.transform_texts(texts, words, self.char_ngrams)
        return self.vocabulary_.transform(
            [line_features(t, self.tokenizer_, self.char_ngrams) for t in texts]
        )

    def _rule_votes(
        self, normalised: Sequence[NormalisedText]
    ) -> tuple[list[list[RuleMatch]], np.ndarray, np.ndarray]:
        """Fired rules, vote sums, and which lines are vague: a vague line's votes are zero,
        since rules that fire on generic words ("技术支持服务费") prove nothing."""
        matcher = self.rule_matcher_
        texts = [n.text for n in normalised]
        matches = matcher.match_lines(texts, [n.category for n in normalised])
        # RuleMatcher.scores of every line in one np.add.at: it adds in the order given, from
        # zero, as scores does line by line (the same sums to the bit)
        column = {c: j for j, c in enumerate(matcher.codes)}
        fired = [(i, column[m.code], m.weight)
                 for i, line in enumerate(matches) for m in line if m.code in column]  # fmt: skip
        votes = np.zeros((len(matches), len(matcher.codes)))
        if fired:
            at_row, at_code, weight = zip(*fired)
            np.add.at(votes, (np.array(at_row), np.array(at_code)), np.array(weight))
        vague = vague_lines(texts)
        votes[vague] = 0.0
        return matches, votes, vague

    # ---------------------------------------------------------------- fit
    def validate_params(self) -> None:
        """Check every parameter's type and range, as scikit-learn estimators do in ``fit``;
        :class:`InvalidParameterError` names the parameter and what it accepts."""

        def bad(name: str, accepts: str) -> InvalidParameterError:
            value = getattr(self, name)
            return InvalidParameterError(
                f"TasClassifier parameter {name!r} must be {accepts}; got {value!r}"
            )

        def number(value: Any) -> bool:
            return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)

        if not (number(self.C) and np.isfinite(self.C) and self.C > 0):
            raise bad("C", "a finite number > 0")
        grams = self.char_ngrams
        if not (
            isinstance(grams, (tuple, list))
            and grams
            and all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 8 for n in grams)
        ):
            raise bad("char_ngrams", "a non-empty tuple of integers from 1 to 8")
        for name, low in (("min_df", 1), ("cv", 2)):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= low):
                raise bad(name, f"an integer >= {low}")
        if not (isinstance(self.random_state, int) and not isinstance(self.random_state, bool)):
            raise bad("random_state", "an integer")
        for name in ("review_threshold", "review_margin"):
            value = getattr(self, name)
            if not (number(value) and 0.0 <= value <= 1.0):
                raise bad(name, "a number from 0 to 1")
        if not isinstance(self.memory, bool):
            raise bad("memory", "True or False")
        for name in ("rules", "invoice_categories"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), (str, Path)):
                raise bad(name, "a path or None")
        if isinstance(self.user_dict, (str, Path)) or not all(
            isinstance(p, (str, Path)) for p in self.user_dict
        ):
            raise bad("user_dict", "a sequence of paths")

    def fit(
        self,
        X: Iterable[str],
        y: Iterable[str],
        *,
        groups: Iterable[str] | None = None,
        remember: Iterable[bool] | None = None,
    ) -> TasClassifier:
        """Learn from lines ``X`` and their codes ``y`` (codes of SPEC §1).

        ``groups`` (optional) names each line's source — ``train`` passes a file and register,
        such as ``v2_invoice.csv/invoice`` (:func:`ledger.labeled.calibration_groups`). With two or
        more, the out-of-fold predictions that calibrate the ensemble come from folds that hold
        out whole sources, so the confidence is that of text written by someone else; without,
        from stratified random folds.

        ``remember`` (optional) says which lines a person checked: with ``memory=True`` only those
        are remembered (answered with their label, flag ``known_line``); every line is learned
        from either way. Default: all.
        """
        self.validate_params()
        _require_training_extra()
        texts, labels, group_of = _training_data(X, y, groups)
        self.classes_ = np.array([c for c in taxonomy.codes() if c in set(labels)])
        if len(self.classes_) < 2:
            raise TrainingDataError("need lines of at least two different codes to fit")
        self._build_components()
        index_of = {c: i for i, c in enumerate(self.classes_)}
        y_idx = np.array([index_of[v] for v in labels])
        normalised = [normalise(t) for t in texts]
        docs = self._features(normalised)
        if not any(docs):
            raise TrainingDataError(
                "no features to learn from: every line is blank once normalised"
            )
        _, votes, vague = self._rule_votes(normalised)

        # Calibration: every line scored by a text model that did not see it (nor, with groups,
        # any line of its source), then the ensemble's three scales fitted on those scores.
        oof, coverage = self._out_of_fold(docs, y_idx, self._folds(y_idx, group_of))
        coverage[vague] = 0.0
        self.text_scale_, self.rule_scale_, self.coverage_scale_ = fit_combiner(
            oof, votes, y_idx, coverage
        )
        proba_oof = combine(
            oof, votes, self.text_scale_, self.rule_scale_, coverage, self.coverage_scale_
        )
        self.oof_accuracy_ = float(np.mean(proba_oof.argmax(axis=1) == y_idx))

        vocab, lr = self._fit_text_model(docs, y_idx, np.arange(len(texts)))
        if lr is None:
            raise TrainingDataError(
                f"no features to learn from: no feature occurs in min_df={self.min_df} lines"
            )
        keep = _remember_mask(remember, len(texts))
        self.memory_ = _remembered(normalised, labels, keep) if self.memory else {}
        self.vocabulary_ = vocab
        coef, intercept = lr.coef_, lr.intercept_
        if coef.shape[0] == 1:  # two codes: scikit-learn keeps one row; softmax needs one each
            coef, intercept = np.vstack([-coef, coef]) / 2, np.hstack([-intercept, intercept]) / 2
        self.coef_ = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        return self

    def _folds(self, y_idx: np.ndarray, group_of: list[str] | None) -> Any:
        """The cross-validation split: whole sources held out when there are two or more (a
        model that never saw a line of the same writer and register scores each line, as real
        text from elsewhere will be scored); stratified random folds otherwise, and also when
        holding out a source would leave a fold's training lines with a single code (every
        code in one source) — such a fold could not be scored."""
        from sklearn.model_selection import GroupKFold, StratifiedKFold

        n_splits = min(self.cv, int(np.bincount(y_idx).min()))
        if n_splits < 2:
            raise TrainingDataError("every code needs at least 2 lines to calibrate the ensemble")
        rows = np.zeros(len(y_idx))
        n_groups = len(set(group_of)) if group_of is not None else 0
        if n_groups >= 2:
            by_source = GroupKFold(n_splits=min(self.cv, n_groups))
            split = list(by_source.split(rows, y_idx, groups=group_of))
            if all(len(np.unique(y_idx[train])) >= 2 for train, _ in split):
                return split
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        return folds.split(rows, y_idx)

    def _fit_text_model(
        self, docs: Sequence[Any], y_idx: np.ndarray, rows: np.ndarray
    ) -> tuple[TfidfVocabulary, Any]:
        """The TF-IDF vocabulary and logistic regression fitted on ``rows`` of ``docs``; the
        regression is ``None`` when there is nothing to learn (no feature in ``min_df`` of those
        lines, or a single code among them)."""
        vocab = TfidfVocabulary.fit([docs[i] for i in rows], self.min_df)
        if not vocab.terms or len(np.unique(y_idx[rows])) < 2:
            return vocab, None
        lr = self._new_lr().fit(_tfidf_matrix(vocab, docs, rows), y_idx[rows])
        return vocab, lr

    def _out_of_fold(
        self, docs: Sequence[Any], y_idx: np.ndarray, split: Iterable[Any]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each line's text-model logits and known-word coverage from the fold that held it out."""
        logits = np.zeros((len(docs), len(self.classes_)))
        coverage = np.zeros(len(docs))
        for train_rows, test_rows in split:
            vocab, lr = self._fit_text_model(docs, y_idx, train_rows)
            if lr is None:  # a tiny fold with nothing to learn: its text model says nothing
                continue
            held_out = vocab.transform([docs[i] for i in test_rows])
            scores = lr.decision_function(_tfidf_matrix(vocab, docs, test_rows))
            if scores.ndim == 1:  # two codes in this fold's training lines
                scores = np.column_stack([-scores, scores]) / 2
            # A code with no training line in this fold scores far below the others.
            fold = np.full((len(test_rows), len(self.classes_)), scores.min() - 10.0)
            fold[:, lr.classes_] = scores
            logits[test_rows] = fold
            coverage[test_rows] = held_out.coverage
        return logits, coverage

    def _new_lr(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")

    # ---------------------------------------------------------------- predict
    def check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this TasClassifier is not fitted yet; call fit() or load a model")

    def _analyse(
        self, texts: Sequence[str], allowed: set[str] | None = None
    ) -> tuple[
        list[NormalisedText], np.ndarray, list[list[RuleMatch]], Any, np.ndarray, np.ndarray
    ]:
        """:meth:`_analyse_normalised` of the lines normalised."""
        self.check_fitted()
        return self._analyse_normalised(normalise_batch(texts), allowed)

    def _analyse_normalised(
        self, normalised: list[NormalisedText], allowed: set[str] | None = None
    ) -> tuple[
        list[NormalisedText], np.ndarray, list[list[RuleMatch]], Any, np.ndarray, np.ndarray
    ]:
        """Normalised texts, probabilities, rule matches, feature rows, which lines are
        remembered training lines (their probability is all on the remembered label), and which
        do not say what service was delivered (``vague``). With ``allowed`` codes (a track), a
        remembered label outside them is not used: the model's own answer is restricted instead."""
        texts = [n.text for n in normalised]
        rows = self._rows(texts)
        product = rows.dot_in_numpy(self.coef_) if rows.small else rows.dot(self._coef64())
        logits = product + self.intercept_
        matches, votes, vague = self._rule_votes(normalised)
        known_share = rows.coverage if rows.coverage is not None else np.zeros(len(texts))
        coverage = np.where(vague, 0.0, known_share)
        proba = combine(
            logits,
            votes,
            self.text_scale_,
            self.rule_scale_,
            coverage,
            getattr(self, "coverage_scale_", 0.0),
        )
        known = np.zeros(len(texts), dtype=bool)
        memory = getattr(self, "memory_", {})
        if memory:
            column = {c: j for j, c in enumerate(self.classes_)}
            for i, norm in enumerate(normalised):
                label = memory.get(norm.text)
                if label is not None and (allowed is None or label in allowed):
                    proba[i] = 0.0
                    proba[i, column[label]] = 1.0
                    known[i] = True
        return normalised, proba, matches, rows, known, vague

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probabilities, one column per code in ``classes_`` order."""
        self.check_fitted()
        return self._analyse(check_texts(X))[1]

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most probable code of each line."""
        proba = self.predict_proba(X)
        best: np.ndarray = self.classes_[proba.argmax(axis=1)]
        return best

    def score(self, X: Iterable[str], y: Iterable[str]) -> float:
        """Accuracy of ``predict`` against ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(list(y))))

    def classify(
        self,
        texts: Iterable[str],
        track: Track | str | None = None,
        *,
        memo: ResultMemo | None = None,
    ) -> list[Result]:
        """Full results (code, confidence, alternatives, evidence, review flag), same order.

        Each distinct line *as the model reads it* (normalised text, invoice category, cut or
        not) is analysed once per call and its result given to every line that reads the same,
        each with its own ``text`` — a ledger repeats its services with other contract numbers
        and months. ``memo`` (a :class:`ResultMemo`) carries those results across calls, for
        callers that classify a stream chunk by chunk. Garbage collection is paused during the
        call (and restored as it was, also on an error): results are many small objects."""
        texts = check_texts(texts)
        with gc_paused():
            return results_of(texts, self._line_rows(texts, track, memo))

    def _line_rows(
        self, texts: list[str], track: str | None, memo: ResultMemo | None
    ) -> list[ResultRow]:
        """The result row of each line, with a blank ``text``: lines repeated as given are
        normalised once, lines that read the same once normalised are analysed once (``memo``
        holds the rows found by earlier calls, by line as given and by what the line reads).

        The lines not seen yet are normalised in chunks of :data:`CHUNK_LINES`, and the
        readings not seen yet are analysed in chunks of that many *readings*, collected over the
        whole call: a ledger's 2,000 services spread over 30,000 rows are one chunk to analyse,
        not a piece of each chunk of rows. The memo is trimmed after each chunk analysed."""
        self.check_fitted()
        allowed = set(taxonomy.codes_for_track(track))
        seen = memo.rows_for(self, track) if memo is not None else Seen()
        lines, reads = seen.lines, seen.reads
        row_of: dict[str, ResultRow] = {}  # this call's lines (a trimmed memo may drop some)
        missing = []
        for t in dict.fromkeys(texts):
            row = lines.get(t)
            if row is None:
                missing.append(t)
            else:
                row_of[t] = row
        todo: dict[Reading, NormalisedText] = {}
        waiting: list[tuple[str, Reading]] = []

        def analyse() -> None:
            reads.update(zip(todo, self._chunk_rows(list(todo.values()), track, allowed)))
            for t, key in waiting:
                row_of[t] = reads[key]
            todo.clear()
            waiting.clear()
            if memo is not None:
                memo.trim()

        for start in range(0, len(missing), CHUNK_LINES):
            part = missing[start : start + CHUNK_LINES]
            for t, key in zip(part, readings_batch(part)):
                row = reads.get(key)
                if row is not None:
                    row_of[t] = row
                    continue
                waiting.append((t, key))
                if key not in todo:
                    todo[key] = NormalisedText(original="", text=key[0], category=key[1],
                                               truncated=key[2])  # fmt: skip
                    if len(todo) == CHUNK_LINES:
                        analyse()
        if todo:
            analyse()
        if memo is not None:
            lines.update((t, row_of[t]) for t in missing)
            memo.trim()
        return list(map(row_of.__getitem__, texts))

    def result_rows(
        self,
        texts: Iterable[str],
        track: Track | str | None = None,
        *,
        memo: ResultMemo | None = None,
    ) -> list[ResultRow]:
        """The compact rows of :meth:`classify`'s results with a blank ``text`` (the caller has
        the lines): lines that read the same share one row object. What worker processes send
        back."""
        texts = check_texts(texts)
        with gc_paused():
            return self._line_rows(texts, track, memo)

    def classify_arrays(
        self,
        texts: Iterable[str],
        track: Track | str | None = None,
        *,
        memo: ResultMemo | None = None,
    ) -> dict[str, np.ndarray]:
        """The columns of :meth:`classify` for big jobs, without a :class:`Result` per line:
        ``code`` (str), ``confidence`` (float64), ``needs_review`` (bool) and ``flags`` (each a
        tuple of str, an object array), one entry per line in order. The values are those of
        ``classify`` exactly; a line's evidence is one :meth:`classify` of that line away."""
        rows = self.result_rows(texts, track, memo=memo)
        flags = np.empty(len(rows), dtype=object)
        flags[:] = [r.flags for r in rows]
        return {
            "code": np.array([r.code for r in rows], dtype=str),
            "confidence": np.array([r.confidence for r in rows], dtype=np.float64),
            "needs_review": np.array([r.needs_review for r in rows], dtype=bool),
            "flags": flags,
        }

    def _chunk_rows(
        self, normalised: list[NormalisedText], track: str | None, allowed: set[str]
    ) -> list[ResultRow]:
        """The result rows of normalised lines (``text``: each line's ``original``), one by one:
        the plain route that :meth:`_line_rows` gives every distinct reading once."""
        normalised, proba, matches, rows, known, vague = self._analyse_normalised(
            normalised, allowed if track is not None else None
        )
        n_features = np.diff(rows.indptr)
        filtered = np.zeros(len(normalised), dtype=bool)
        if track is not None:
            proba, filtered = self._restrict_to_track(proba, allowed)
        order = np.argsort(-proba, axis=1, kind="stable")[:, :4]
        features = self._top_features(rows, order[:, 0])
        # the per-line values as Python lists once, not element by element
        columns = zip(
            normalised,
            matches,
            proba.tolist(),
            order.tolist(),
            n_features.tolist(),
            known.tolist(),
            vague.tolist(),
            filtered.tolist(),
            features,
        )
        codes = [str(c) for c in self.classes_]
        names = {c.code: c.name for c in taxonomy.categories()}
        named = [(c, names[c]) for c in codes]  # (code, name) of each column (taxonomy codes)
        threshold, margin = self.review_threshold, self.review_margin
        every_code = all(r.code in allowed for r in self.rule_matcher_.rules)
        none = taxonomy.NONE
        kpo_names: dict[str, str] = {}
        out = []
        for norm, found, p, o, count, known_line, vague_line, filtered_line, feats in columns:
            text = norm.text
            fired = found if every_code else [m for m in found if m.code in allowed]
            rules = tuple([(m.rule, m.code, m.pattern, m.weight, m.field) for m in fired])
            evidence = count or found or known_line
            if not text or not evidence or known_line or vague_line or filtered_line:
                flags = _line_flags(
                    empty=not text,
                    no_evidence=not evidence,
                    known=known_line,
                    vague=vague_line,
                    filtered=filtered_line,
                    truncated=norm.truncated,
                )
                if flags and flags[0] in ("empty", "no_evidence"):
                    code, confidence, feats = none, 0.0, ()
                elif "vague" in flags and none in codes:
                    # The line does not say what was delivered: NONE until a person says
                    # otherwise, as for meaningless text (SPEC §3), with the probability the
                    # model gives NONE.
                    code, confidence = none, p[codes.index(none)]
                else:
                    code = ""
                if code:
                    # ResultRow(text=…, code=…, …) in field order, without the keyword parsing
                    fields = (norm.original, code, names[code], confidence, (), rules, feats, (),
                              True, track, text, flags)  # fmt: skip
                    out.append(_ROW(ResultRow, fields))
                    continue
                flagged = bool(flags and flags != ("known_line",))  # a flag but known_line
            else:
                flags = ("truncated",) if norm.truncated else ()
                flagged = norm.truncated
            # the model's best code, with the next ones and whether a person should look
            best = o[0]
            code = codes[best]
            alternatives = tuple([(*named[j], p[j]) for j in o[1:4] if p[j] >= 0.01])
            runner_up = p[o[1]] if len(o) > 1 else 0.0
            needs_review = p[best] < threshold or p[best] - runner_up < margin or flagged
            kpo_fields: tuple[str, ...] = ()
            if code == "KPO-01":
                if not kpo_names:
                    kpo_names.update((f.key, f.name) for f in taxonomy.get("KPO-01").fields)
                kpo_fields = tuple(dict.fromkeys(kpo_names[m.field] for m in fired if m.field))
            out.append(_ROW(ResultRow, (norm.original, code, names[code], p[best], alternatives,
                                        rules, feats, kpo_fields, needs_review, track, text,
                                        flags)))  # fmt: skip
        return out

    def _restrict_to_track(
        self, proba: np.ndarray, allowed: set[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities renormalised over the track's codes and NONE (SPEC §1): the best
        code *within* the track — so a system-integration project is ITO-05 for an outsourcing
        enterprise and TRD-01 for a trade one. The probability of a code outside the track first
        passes to its counterparts inside it (:func:`taxonomy.counterparts`). Also says which
        lines' best code overall was outside the track and most of its probability lay outside."""
        inside = np.isin(self.classes_, sorted(allowed))
        restricted = np.where(inside, proba, 0.0)
        column = {str(c): j for j, c in enumerate(self.classes_)}
        for j, code in enumerate(self.classes_):
            if inside[j]:
                continue
            targets = [column[t] for t in taxonomy.counterparts(str(code)) if t in column]
            targets = [t for t in targets if inside[t]]
            if not targets:
                continue
            # The same activity in this track: pass the mass on, in proportion to what the
            # model gives each counterpart (equally where it gives them nothing).
            share = proba[:, targets] + 1e-12
            share /= share.sum(axis=1, keepdims=True)
            restricted[:, targets] += proba[:, [j]] * share
        total = restricted.sum(axis=1, keepdims=True)
        # Flagged when the line reads mostly as a service of the other track: the renormalised
        # answer then rests on the smaller part of the probability and a person should look.
        filtered = ~inside[proba.argmax(axis=1)] & (total[:, 0] < 0.5)
        renormalised = np.divide(restricted, total, out=np.zeros_like(restricted), where=total > 0)
        return renormalised, filtered

    def _coef64(self) -> np.ndarray:
        """The coefficients in float64 (stored as float32 to halve the model file), cached."""
        cached = self.__dict__.get("_coef64_cache")
        if cached is None or cached[0] is not self.coef_:
            cached = (self.coef_, np.asarray(self.coef_, dtype=np.float64))
            self.__dict__["_coef64_cache"] = cached
        return cached[1]

    def _top_features(
        self, rows: SparseRows, best: np.ndarray, k: int = 5
    ) -> list[tuple[tuple[str, float], ...]]:
        """For each row, its ``k`` features that pushed its best code most (positive only), as
        (feature, weight), strongest first; among equal contributions the lower column first."""
        n = rows.n_rows
        row_of = np.repeat(np.arange(n), np.diff(rows.indptr))
        contrib = rows.data * self.coef_[rows.indices, best[row_of]]
        remaining = np.where(contrib > 0, contrib, -np.inf)
        filled = np.flatnonzero(np.diff(rows.indptr) > 0)  # rows with a feature
        picked_rows, picked = [], []
        for _ in range(k):  # k rounds of "largest left in each row", all rows at once
            if not len(filled) or not (remaining > -np.inf).any():
                break
            # each row's largest left (-inf when none is): one pass over the row segments
            top = np.full(n, -np.inf)
            top[filled] = np.maximum.reduceat(remaining, rows.indptr[filled])
            hits = np.flatnonzero((remaining == top[row_of]) & (remaining > -np.inf))
            # the first hit of each row: the lowest column among equal contributions
            hit_rows = row_of[hits]
            first = hits[np.concatenate(([True], hit_rows[1:] != hit_rows[:-1]))]
            picked_rows.append(row_of[first])
            picked.append(first)
            remaining[first] = -np.inf
        if picked:
            # by row, and within a row in the order picked (a stable sort of the rows)
            order = np.argsort(np.concatenate(picked_rows), kind="stable")
            chosen = np.concatenate(picked)[order]
        else:
            chosen = np.zeros(0, dtype=np.int64)
        bounds = np.searchsorted(row_of[chosen], np.arange(n + 1)).tolist()
        # every (feature, weight) pair made in C loops, then each row's run of them
        columns = rows.indices[chosen].tolist()
        pairs = list(
            zip(map(self.vocabulary_.terms.__getitem__, columns), contrib[chosen].tolist())
        )
        return [tuple(pairs[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]


def load(path: str | Path) -> TasClassifier:
    """Load a model folder written by :func:`~tas_classify.model.persistence.save`."""
    return TasClassifier.load(path)
