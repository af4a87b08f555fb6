# Sourced by the bench scripts: the catalog of a gen.py world (three polygon
# layers and the river, ids as gen.py writes them), on its files in DIR.
#
#   write_catalog WORLD DIR EXT > catalog.toml
write_catalog() {
  local WORLD=$1 DIR=$2 EXT=$3
  cat <<EOF
# Written by redline's bench scripts for the gen.py world $WORLD.
[plan]
name = "bench world"
crs = "EPSG:4544"
sliver_m2 = 1.0

[[layer]]
id = "eco_redline"
name = "eco_redline"
path = "$DIR/eco_redline.$EXT"
rule = "prohibit"
id_field = "要素编号"

[[layer]]
id = "nature_reserve"
name = "nature_reserve"
path = "$DIR/nature_reserve.$EXT"
rule = "restrict"
id_field = "要素编号"

[[layer]]
id = "green_structure"
name = "green_structure"
path = "$DIR/green_structure.$EXT"
rule = "restrict"
id_field = "要素编号"

[[layer]]
id = "river"
name = "river"
path = "$DIR/river.$EXT"
rule = "setback"
id_field = "要素编号"
setback_m = { conflict = 30.0, review = 50.0 }
EOF
}
