"""Two real processes on one database: ratings and syncs interleave, and not one rating is lost or computed
from a stale schedule."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from revise.collection import Collection
from revise.paths import PROJECT_ROOT
from revise.scheduler.fsrs_scheduler import CardScheduler, SchedulerConfig
from revise.scheduler.schedule import Schedule
from revise.store.schema import ReviewLog

RATINGS_EACH = 40
UNFUZZED = SchedulerConfig(enable_fuzzing=False)  # so that replaying a rating gives exactly what it stored
# One process of the pair: rates the same card over and over (each time from the schedule it read before),
# and syncs the card folder every few ratings, as a second revise in another terminal would.
WORKER = """
import sys
from pathlib import Path
from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import SchedulerConfig

db, cards, card_id, count = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
collection = Collection(db, cards, SchedulerConfig(enable_fuzzing=False))
for index in range(count):
    card = collection.card(card_id)
    collection.rate(card, 1 + index % 4, 1000)
    if index % 5 == 0:
        collection.sync()
collection.close()
print("done")
"""


def test_two_processes_rating_one_card_and_syncing_lose_nothing(db_path: Path, cards_dir: Path) -> None:
    Collection(db_path, cards_dir).sync()
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(db_path), str(cards_dir), "adam-bias",
                                 str(RATINGS_EACH)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0 and out.strip() == "done", err

    collection = Collection(db_path, cards_dir, UNFUZZED)
    with collection._transaction() as session:
        log = session.query(ReviewLog).filter_by(card_id="adam-bias").order_by(ReviewLog.id).all()
    assert len(log) == 2 * RATINGS_EACH, "every rating of both processes is in the log"
    for earlier, later in zip(log, log[1:]):
        assert later.state_before == earlier.state_after, "each rating starts from the one before it, on disk"
    scheduler = CardScheduler(UNFUZZED)
    for entry in log:
        replayed = scheduler.outcome(Schedule.from_json(entry.state_before), entry.rating, entry.reviewed_at)
        assert replayed.at(entry.reviewed_at).to_json() == entry.state_after, (
            f"rating {entry.id} was computed from the schedule it replaced, not from a stale copy")
    final = collection.card("adam-bias").schedule
    assert json.loads(json.dumps(final.to_json())) == log[-1].state_after, "the card holds the last rating's result"
    assert final.reps == 2 * RATINGS_EACH
    collection.close()


def test_two_syncs_of_a_new_folder_at_once_take_turns(tmp_path: Path) -> None:
    """The second sync waits for the first (before: `UNIQUE constraint failed: cards.id`, a 72-line traceback)."""
    cards = tmp_path / "cards"
    shutil.copytree(PROJECT_ROOT / "cards", cards)
    db = tmp_path / "shared.db"
    command = [sys.executable, "-m", "revise", "--db", str(db), "--cards", str(cards), "sync"]
    syncs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [sync.communicate(timeout=300) for sync in syncs]
    for sync, (out, err) in zip(syncs, outputs):
        assert sync.returncode == 0 and "Traceback" not in err, err
    added = sorted(int(out.split()[1]) for out, _ in outputs)
    collection = Collection(db, cards)
    try:
        assert added[0] == 0 and added[1] == len({card.text.written_id for card in collection.cards()}) > 200, (
            "one sync added every card, once")
    finally:
        collection.close()
