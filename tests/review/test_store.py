"""The workbench's SQLite store: ids are checked before they touch a path, corrections survive a
restart and are undone in order, the file is in WAL mode, a deleted review leaves nothing behind,
and a stored ledger name can never point outside the ``ledgers`` folder."""

import sqlite3
from dataclasses import replace

import pytest

from tas_classify.errors import ReviewError, ReviewNotFoundError
from tas_classify.review.store import DB_NAME, LEDGERS, SCHEMA_VERSION, ReviewStore, check_id

KEY = "a1b2c3d4e5f60718"
OTHER_KEY = "0f1e2d3c4b5a6978"


@pytest.fixture
def store(tmp_path):
    s = ReviewStore(tmp_path / "data")
    yield s
    s.close()


def new_review(store, name="台账.csv"):
    """A review with a stored ledger file and two classified lines."""
    review = store.new_review(name, ".csv", {"track": "outsourcing"})
    store.ledger_path(review).write_bytes("序号,合同名称,金额\n1,软件开发服务,100\n".encode())
    store.replace_lines(review.id, [
        (2, KEY, {"text": "软件开发服务", "amount": "100"}),
        (3, OTHER_KEY, {"text": "办公楼租金", "amount": "50"}),
    ])  # fmt: skip
    return review


def count(folder, table, review_id):
    with sqlite3.connect(folder / DB_NAME) as db:
        sql = f"SELECT COUNT(*) FROM {table} WHERE review = ?"
        return db.execute(sql, (review_id,)).fetchone()[0]


# ---------------------------------------------------------------------- ids
@pytest.mark.parametrize(
    "bad",
    ["../x", "..", "", "0123456789ab/..", "../0123456789ab", "0123456789AB", "0123456789a",
     "0123456789abc", "0123456789ab\n", "/etc/passwd", "ledgers", None, 123],
)  # fmt: skip
def test_ids_of_another_form_are_refused(bad):
    with pytest.raises(ReviewNotFoundError):
        check_id(bad)


def test_store_calls_check_the_id_first(store, tmp_path):
    review = new_review(store)
    for bad in ("../x", "../" + review.id, review.id + "/../x", f"{LEDGERS}/{review.id}"):
        for method, args, kwargs in (
            (store.review, (), {}),
            (store.lines, (), {}),
            (store.corrections, (), {}),
            (store.correct, (KEY, "NONE", True), {}),
            (store.undo, (), {}),
            (store.delete, (), {}),
            (store.update, (), {"status": "ready"}),
            (store.progress, (1, 2), {}),
            (store.replace_lines, ([],), {}),
        ):
            with pytest.raises(ReviewError):
                method(bad, *args, **kwargs)
    # nothing was written or removed by the refused calls
    assert store.review(review.id).status == "setup"
    assert store.ledger_path(review).is_file()
    assert len(store.lines(review.id)) == 2
    assert store.corrections(review.id) == {}


def test_new_review_ids_have_the_checked_form(store):
    ids = {store.new_review("a.csv", ".csv", {}).id for _ in range(20)}
    assert len(ids) == 20
    assert all(check_id(i) == i for i in ids)
    assert sorted(r.id for r in store.reviews()) == sorted(ids)


# ---------------------------------------------------------------------- restart
def test_corrections_survive_a_restart(tmp_path):
    folder = tmp_path / "data"
    first = ReviewStore(folder)
    review = new_review(first)
    first.correct(review.id, KEY, "ITO-01", True)
    first.correct(review.id, OTHER_KEY, "NONE", False)
    first.update(review.id, status="ready", info={"sheet": None, "模型": "shipped"})
    first.close()  # the server is killed: only the file is left

    second = ReviewStore(folder)
    try:
        again = second.review(review.id)
        assert again.status == "ready"
        assert again.info == {"sheet": None, "模型": "shipped"}
        assert again.options == {"track": "outsourcing"}
        assert again.file_name == "台账.csv"
        got = second.corrections(review.id)
        assert {k: (c.code, c.reviewed) for k, c in got.items()} == {
            KEY: ("ITO-01", True),
            OTHER_KEY: ("NONE", False),
        }
        assert [row for row, _, _ in second.lines(review.id)] == [2, 3]
        assert second.history_size(review.id) == 2
        # the history survives too: undo after the restart takes back the last change
        assert second.undo(review.id) == OTHER_KEY
        assert set(second.corrections(review.id)) == {KEY}
    finally:
        second.close()


def test_two_stores_on_one_folder_see_each_others_writes(tmp_path):
    """Another ``serve`` on the same folder (SQLite's own locking, one committed transaction
    per write)."""
    a, b = ReviewStore(tmp_path), ReviewStore(tmp_path)
    try:
        review = new_review(a)
        b.correct(review.id, KEY, "ITO-02", True)
        assert a.corrections(review.id)[KEY].code == "ITO-02"
    finally:
        a.close()
        b.close()


# ---------------------------------------------------------------------- undo
def test_undo_goes_back_one_change_at_a_time(store):
    review = new_review(store)

    def state():
        return {k: (c.code, c.reviewed) for k, c in store.corrections(review.id).items()}

    store.correct(review.id, KEY, "ITO-01", False)
    store.correct(review.id, OTHER_KEY, "NONE", True)
    store.correct(review.id, KEY, "ITO-02", True)
    store.correct(review.id, KEY, "ITO-05", True)
    assert state() == {KEY: ("ITO-05", True), OTHER_KEY: ("NONE", True)}
    assert store.history_size(review.id) == 4

    assert store.undo(review.id) == KEY
    assert state() == {KEY: ("ITO-02", True), OTHER_KEY: ("NONE", True)}
    assert store.undo(review.id) == KEY
    assert state() == {KEY: ("ITO-01", False), OTHER_KEY: ("NONE", True)}
    assert store.undo(review.id) == OTHER_KEY
    assert state() == {KEY: ("ITO-01", False)}
    assert store.undo(review.id) == KEY
    assert state() == {}
    assert store.undo(review.id) is None
    assert store.history_size(review.id) == 0


def test_removing_a_correction_is_undone_too(store):
    review = new_review(store)
    store.correct(review.id, KEY, "ITO-01", True)
    store.correct(review.id, KEY, None, False)
    assert store.corrections(review.id) == {}
    assert store.undo(review.id) == KEY
    assert store.corrections(review.id)[KEY].code == "ITO-01"


def test_the_same_decision_twice_is_one_step_of_history(store):
    review = new_review(store)
    store.correct(review.id, KEY, "ITO-01", True)
    store.correct(review.id, KEY, "ITO-01", True)
    assert store.history_size(review.id) == 1
    store.undo(review.id)
    assert store.corrections(review.id) == {}


def test_undo_is_per_review(store):
    one, two = new_review(store), new_review(store, "二.csv")
    store.correct(one.id, KEY, "ITO-01", True)
    store.correct(two.id, KEY, "BPO-01", True)
    assert store.undo(one.id) == KEY
    assert store.corrections(one.id) == {}
    assert store.corrections(two.id)[KEY].code == "BPO-01"


# ---------------------------------------------------------------------- the file
def test_the_database_is_in_wal_mode_with_full_sync(store):
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    new_review(store)
    with sqlite3.connect(store.folder / DB_NAME) as db:  # WAL is a property of the file
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_file_from_a_newer_version_is_refused(tmp_path):
    ReviewStore(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(ReviewError, match="newer"):
        ReviewStore(tmp_path)


def test_update_takes_known_columns_only(store):
    review = new_review(store)
    with pytest.raises(ValueError):
        store.update(review.id, stored="../../etc/passwd")
    with pytest.raises(ValueError):
        store.update(review.id)
    assert store.review(review.id).stored == review.id + ".csv"


# ---------------------------------------------------------------------- delete
def test_delete_removes_lines_corrections_history_and_the_file(store):
    review, other = new_review(store), new_review(store, "其他.csv")
    store.correct(review.id, KEY, "ITO-01", True)
    store.correct(other.id, KEY, "ITO-02", True)
    path = store.ledger_path(review)
    assert path.is_file()

    store.delete(review.id)

    with pytest.raises(ReviewNotFoundError):
        store.review(review.id)
    assert not path.exists()
    for table in ("lines", "corrections", "history"):
        assert count(store.folder, table, review.id) == 0, table
    assert [r.id for r in store.reviews()] == [other.id]
    assert store.corrections(other.id)[KEY].code == "ITO-02"
    assert len(store.lines(other.id)) == 2
    assert store.ledger_path(other).is_file()
    with pytest.raises(ReviewNotFoundError):
        store.delete(review.id)


# ---------------------------------------------------------------------- stored names
@pytest.mark.parametrize(
    "stored", ["../reviews.sqlite3", "../../outside.csv", "/etc/passwd", "sub/x.csv", "..", "."]
)
def test_a_stored_name_outside_the_ledgers_folder_is_refused(store, stored):
    review = new_review(store)
    with pytest.raises(ReviewError, match="outside"):
        store.ledger_path(replace(review, stored=stored))


def test_delete_never_removes_a_file_outside_the_ledgers_folder(store, tmp_path):
    """A tampered row (stored = '../../outside.csv') does not make delete remove that file."""
    outside = tmp_path / "outside.csv"
    outside.write_text("keep me", encoding="utf-8")
    review = new_review(store)
    with sqlite3.connect(store.folder / DB_NAME) as db:
        db.execute("UPDATE reviews SET stored = ? WHERE id = ?", ("../../outside.csv", review.id))
    assert (store.folder / LEDGERS / "../../outside.csv").resolve() == outside.resolve()
    with pytest.raises(ReviewError, match="outside"):
        store.ledger_path(store.review(review.id))
    with pytest.raises(ReviewError):
        store.delete(review.id)
    assert outside.read_text(encoding="utf-8") == "keep me"
