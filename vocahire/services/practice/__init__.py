"""The practice loop: redoing one answer, the spaced schedule of answers to practise, and the queue."""
