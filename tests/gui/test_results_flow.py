"""Results reach the main window in stages (window_results.py): the table at once, the views
once the event loop is idle, coalesced; everything is complete when the job ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from qtwin import make_window
from synth import CLASSES, SR, make_clip

from audioclf.gui.main_window import MainWindow
from audioclf.gui.settings import open_settings, recent_files
from audioclf.gui.widgets.colors import class_color
from audioclf.gui.workers import Item
from audioclf.inference import Classifier, FileFailure, FileResult

WAIT_MS = 20_000
JOB = 99  # a job id the worker never hands out in these tests


@pytest.fixture(scope="module")
def results(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> list[FileResult]:
    """Real results (with spectrograms) for one clip per class, as the worker makes them."""
    root = tmp_path_factory.mktemp("flow")
    rng = np.random.default_rng(7)
    paths = []
    for kind in CLASSES:
        p = root / f"{kind}.wav"
        sf.write(p, make_clip(kind, rng), SR)
        paths.append(p)
    clf = Classifier.from_file(tiny_model, "cpu")
    out = list(clf.classify_files(paths, keep_spectrogram=True))
    assert all(isinstance(r, FileResult) for r in out)
    return out  # type: ignore[return-value]


@pytest.fixture
def window(qtbot, tiny_model, tmp_path) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window(qtbot, tiny_model, tmp_path, WAIT_MS)


def start_job(w: MainWindow, res: list[FileResult]) -> list[int]:
    """Table rows for ``res`` in a running job, as add_files leaves them (no worker)."""
    rows = w.table.source.add_paths([r.path for r in res])
    w._jobs[JOB] = rows
    w._total += len(rows)
    w._show_progress()
    return rows


def items(w: MainWindow, rows: list[int], res: list[FileResult]) -> list[Item]:
    return [Item(row, r, w.model.feature_config) for row, r in zip(rows, res)]  # type: ignore[union-attr]


def assert_views_show(w: MainWindow, r: FileResult) -> None:
    v = w.views
    assert v.path == r.path
    np.testing.assert_allclose(v.spec.image.image, r.spectrogram_db)  # type: ignore[arg-type]
    for i, lab in enumerate(r.labels):
        _, y = v.probs.class_curves[lab].getData()
        want = r.timeline[:, i] if len(r.times) > 1 else np.repeat(r.timeline[:, i], 2)
        np.testing.assert_allclose(y, want)  # a clip within one window: a flat line


def test_views_follow_the_table_once_idle_and_draw_once(qtbot, window, results) -> None:  # type: ignore[no-untyped-def]
    w = window
    rows = start_job(w, results)
    shown: list[str] = []
    orig = w.views.show_result
    w.views.show_result = lambda r, f: (shown.append(r.path), orig(r, f))  # type: ignore[method-assign]
    w._on_items(JOB, items(w, rows[:2], results[:2]))
    w._on_items(JOB, items(w, rows[2:3], results[2:3]))  # arrives before the loop idles
    # the table has every result at once; the views and progress wait for an idle loop
    src = w.table.source
    assert [src.rows[i].state for i in rows[:3]] == ["done"] * 3
    assert src.data(src.index(rows[2], 2)) == results[2].label
    assert w.views.path is None and w.table.selected_source_row() is None and not shown
    qtbot.waitUntil(lambda: w.views.path is not None, timeout=WAIT_MS)
    assert w.table.selected_source_row() == rows[0]  # the first finished file, shown once
    assert_views_show(w, results[0])
    qtbot.waitUntil(lambda: w.views.bars.values.size > 0, timeout=WAIT_MS)  # a turn later
    np.testing.assert_allclose(w.views.bars.values, results[0].probs)
    assert w.views.bars.top_label.text() == results[0].label
    assert w.progress.value() == 3 and "3/" in w.activity.text()
    qtbot.wait(50)
    assert shown == [results[0].path]
    # a row the user selects has its plots drawn at once; while the job runs, its bars a
    # turn later
    w.table.select_source_row(rows[1])
    assert_views_show(w, results[1])
    qtbot.waitUntil(lambda: w.views.bars.top_label.text() == results[1].label, timeout=WAIT_MS)
    np.testing.assert_allclose(w.views.bars.values, results[1].probs)


def test_job_end_completes_everything_at_once(qtbot, window, results) -> None:  # type: ignore[no-untyped-def]
    w = window
    rows = start_job(w, results)
    fail = FileFailure(results[0].path, "could not decode")
    w._on_items(JOB, [Item(rows[0], fail, None)] + items(w, rows[1:], results[1:]))
    w._on_job_done(JOB, False)  # same event-loop turn: nothing pending afterwards
    assert w.table.selected_source_row() == rows[0]
    assert w.views.bars.top_label.text() == "error" and w.views.spec.image.image is None
    assert not w.progress.isVisible() and "classified" in w.activity.text()
    w.table.select_source_row(rows[2])  # no job: plots and bars together
    assert_views_show(w, results[2])
    np.testing.assert_allclose(w.views.bars.values, results[2].probs)
    best = int(np.argmax(results[2].probs))
    top = w.views.bars.top_label
    assert top.palette().color(QPalette.ColorRole.WindowText) == class_color(best, len(CLASSES))
    w.table.select_source_row(rows[0])
    assert top.text() == "error"
    assert top.palette().color(QPalette.ColorRole.WindowText) != class_color(best, len(CLASSES))


def test_table_cells_and_sorting(qtbot, window, results) -> None:  # type: ignore[no-untyped-def]
    w = window
    rows = start_job(w, results)
    fail = FileFailure(results[0].path, "could not decode")
    w._on_items(JOB, [Item(rows[0], fail, None)] + items(w, rows[1:], results[1:]))
    w._on_job_done(JOB, False)
    src = w.table.source
    for row, r in zip(rows[1:], results[1:]):
        texts = [src.data(src.index(row, c)) for c in range(5)]
        assert texts[:4] == [Path(r.path).name, f"{r.duration_s:.2f}", r.label,
                             f"{r.confidence:.1%}"]
        assert texts[4].startswith(r.label)
    assert [src.data(src.index(rows[0], c)) for c in (2, 4)] == ["error", "could not decode"]
    w.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # confidence, highest first
    shown = [r for r in w.table.rows_in_view_order() if isinstance(r.result, FileResult)]
    confs = [r.result.confidence for r in shown]  # type: ignore[union-attr]
    assert confs == sorted(confs, reverse=True)
    assert w.table.rows_in_view_order()[-1].state == "error"
    w.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # top class: errors sort last
    assert w.table.rows_in_view_order()[-1].state == "error"


def test_recent_files_are_written_once_idle_and_on_close(qtbot, window, results, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = window
    first, second = results[0].path, results[1].path
    w.add_files([first])
    qtbot.waitUntil(lambda: first in [a.data() for a in w.actions_.recent_menu.actions()],
                    timeout=WAIT_MS)
    w.add_files([second])
    w.close()  # before the loop idles: closing writes it
    again = open_settings(str(tmp_path / "settings.ini"))  # make_window's file
    assert recent_files(again)[:2] == [second, first]
