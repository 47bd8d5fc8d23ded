"""The classroom: students play the governments against each other (or the agents) in their
browsers while the instructor watches every game's table and then shows the class's outcomes
beside the agents' own. `allysim classroom` serves it (`sim.classroom.cli`)."""
