# Example rules about scenes of the Odeen world (DESIGN.md §2).
# One rule per line, an optional "name:" label in front; '#' starts a comment.
# Try: rulelang check examples/rules.rl examples/table.txt

# Rules of the paper's dialect.
red_meets_blue: at_least 1 red touching blue  # a red piece right next to a blue one
blue_meets_red: at_least 1 blue touching red  # the same phenomenon, said the other way round
mixed: at_least 1 red and at_least 1 blue  # close, but the pieces need not touch
two_red: exactly 2 red
guarded: at_least 1 blue surrounded_by red  # a blue piece with red on both sides
red_block_first: at_least 1 red block at_the_left_of blue pyramid
upright: zero pyramid pointing_down

# The full language adds not, parentheses, longer chains and larger counts.
few_blue: at_least 1 red touching blue and at_most 3 blue  # fits the table, yet another phenomenon
crowded: at_least 4 block or at_least 4 pyramid
fickle: not exactly 1 red and (at_least 1 blue touching red or zero blue)
