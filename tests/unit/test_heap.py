"""The start-up heap is frozen once the app has started, out of the full collections' way (issue 19)."""

import gc

from vocahire.infra import heap


def test_freezing_moves_the_start_up_objects_out_of_the_collectors_sight():
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        heap.freeze_startup_heap()
        assert gc.get_freeze_count() > 10_000  # the interpreter, the test run and the app's modules
    finally:
        gc.unfreeze()


def test_the_app_freezes_its_heap_after_every_other_start_up_task():
    from vocahire.vocahire import app

    tasks = list(app._lifespan_tasks)
    assert tasks[-1] is heap.freeze_startup_heap
