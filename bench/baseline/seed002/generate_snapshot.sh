#!/usr/bin/env bash
# BASELINE from the seed (shared/seeds/002, section 3 "Snapshot Generator"; verbatim copy in
# generate_snapshot.seed.sh), with ONLY its shell quoting repaired so that it runs: the jq programs are single
# quoted and take the interaction number with --argjson, and ' - ' became " - " inside jq. The algorithm is the
# seed's: one jq pass over the whole event array per interaction (three per recent interaction), archive.md
# appended to (the bench deletes it before each run). The bench times it against `fastband events snapshot` on
# the same events.log; see docs/benchmarks.md, "Events and snapshots".
events_file="$(pwd)/events.log"
comm_file="$(pwd)/communication.md"
archive_file="$(pwd)/archive.md"
K=3  # number of recent interactions to keep

# 1. Read all events into JSON array
events=$(jq -s '.' "$events_file")

# 2. Extract unique interaction numbers sorted
interactions=( $(echo "$events" | jq -r '.[].interaction' | sort -n | uniq) )

echo "# Communication Snapshot" > "$comm_file"
echo "<!-- BEGIN COMMUNICATION -->" >> "$comm_file"

# 3. Determine archive vs recent
archived=(${interactions[@]:0:${#interactions[@]}-K})
recent=(${interactions[@]: -K})

# 4. Render archived to archive.md
for i in "${archived[@]}"; do
  echo "## Interaction #$i" >> "$archive_file"
  echo "$events" | jq -r --argjson i "$i" '.[] | select(.interaction==$i) | "- [\(.actor) \(.type) \(.timestamp)]
\(.content)"' >> "$archive_file"
  echo "" >> "$archive_file"
done

# 5. Render recent to communication.md
for i in "${recent[@]}"; do
  echo "### Interaction #$i" >> "$comm_file"
  echo "$events" | jq -r --argjson i "$i" '.[] | select(.interaction==$i) | if .type=="question" then "#### A → B" else if .type=="answer" then "#### B → A" else if .type=="followup" then "#### A Follow-Up" else "#### heartbeat" end end end' >> "$comm_file"
  echo "$events" | jq -r --argjson i "$i" '.[] | select(.interaction==$i) | " - " + .content' >> "$comm_file"
  echo "" >> "$comm_file"
done

echo "<!-- END COMMUNICATION -->" >> "$comm_file"
