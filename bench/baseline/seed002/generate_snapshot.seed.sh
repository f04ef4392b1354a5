#!/usr/bin/env bash
# BASELINE, copied verbatim from the seed (shared/seeds/002, section 3 "Snapshot Generator"), kept only as the
# record of what the seed shipped. As printed it does not run: bash stops at line 37 ("unexpected EOF while
# looking for matching `''"), because the jq programs nest double quotes inside double quotes. The bench runs
# generate_snapshot.sh beside it, the same script with only its quoting repaired.
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
  echo "$events" | jq -r ".[] | select(.interaction==$i) | "'- [\(.actor) \(.type) \(.timestamp)]
\(.content)"" >> "$archive_file"
  echo "" >> "$archive_file"
done

# 5. Render recent to communication.md
for i in "${recent[@]}"; do
  echo "### Interaction #$i" >> "$comm_file"
  echo "$events" | jq -r ".[] | select(.interaction==$i) | if .type=="question" then "#### A → B" else if .type=="answer" then "#### B → A" else if .type=="followup" then "#### A Follow-Up" else "#### heartbeat" end end end" >> "$comm_file"
  echo "$events" | jq -r ".[] | select(.interaction==$i) | ' - ' + .content" >> "$comm_file"
  echo "" >> "$comm_file"
done

echo "<!-- END COMMUNICATION -->" >> "$comm_file"
