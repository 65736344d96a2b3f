"""Rostering, free of Django: the problem as plain data, solvers, and an independent checker.

* `problem`: a community's people, shifts and rules, the only input of what follows;
* `check`: every hard rule and soft goal recomputed; never imports a solver, so the solvers
  are tested against it and explanations, swaps and hand edits are judged by it;
* `greedy` (a quick first roster), `model` (CP-SAT) and `best` (the roster a planner gets);
* `curtois/`: the Curtois & Qu nurse-rostering benchmark (parser, independent evaluator and
  a solver of its own), measuring the approach against published results.
"""
