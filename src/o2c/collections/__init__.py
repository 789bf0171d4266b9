"""Collections: the explained priority of the worklist, payment behaviour and the cash forecast,
as pure functions over dated facts (the read models and a replay of the log feed them alike)."""
