package evidence

import (
	"html/template"

	"github.com/changeboard/changeboard/internal/change"
	"github.com/changeboard/changeboard/internal/cmdb"
)

// indexPage is parsed once; html/template escapes every value, so text
// from an RFC cannot script the auditor's browser.
var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Evidence: {{.R.Ref}} {{.R.Title}}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style>
</head><body>
<h1>{{.R.Ref}}: {{.R.Title}}</h1>
<p>State <b>{{.R.State}}</b>, category {{.R.Category}}, priority {{.R.Priority}}, risk {{.R.Risk.Level}} ({{.R.Risk.Score}}).
Requested by {{.R.RequesterID}}.</p>
<p>Pack generated {{.M.GeneratedAt.Format "2006-01-02T15:04:05Z07:00"}} by {{.M.GeneratedBy}}.
{{.M.Events}} audit events ({{.M.Unsealed}} not yet sealed), proven by {{.M.Links}} chain links up to the checkpoint at sequence
{{.M.Checkpoint.Seq}} signed {{.M.Checkpoint.SignedAt.Format "2006-01-02T15:04:05Z07:00"}} with key {{.M.KeyID}}.
Check it offline: <code>changeboard audit verify-evidence PACK.zip --public-key audit.pub</code>.</p>
<h2>Steps</h2>
<table><tr><th>seq</th><th>at</th><th>actor</th><th>action</th><th>outcome</th><th>state after</th><th>reason</th></tr>
{{range .Steps}}<tr><td>{{.Seq}}</td><td>{{.At.Format "2006-01-02 15:04:05"}}</td><td>{{.ActorID}}</td><td>{{.Action}}</td><td>{{.Outcome}}</td><td>{{index .Snapshot "state"}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>
<h2>Approval route: votes</h2>
<table><tr><th>board</th><th>round</th><th>voter</th><th>decision</th><th>reason</th><th>cast</th></tr>
{{range .Votes}}<tr><td>{{.BoardID}}</td><td>{{.Round}}</td><td>{{.VoterID}}</td><td>{{.Decision}}</td><td>{{.Reason}}</td><td>{{.CastAt.Format "2006-01-02 15:04:05"}}</td></tr>
{{else}}<tr><td colspan="6">no votes</td></tr>{{end}}</table>
<h2>Configuration baseline</h2>
<table><tr><th>CI</th><th>baseline version</th><th>current version</th><th>changed fields</th></tr>
{{range .Baseline}}<tr><td>{{.CIName}}</td><td>{{.BaselineVersion}}</td><td>{{.CurrentVersion}}</td><td>{{range $k, $v := .Changes}}{{$k}} {{end}}</td></tr>
{{else}}<tr><td colspan="4">no baseline (not approved yet)</td></tr>{{end}}</table>
<h2>Files</h2>
<p>rfc.json (the RFC now), schedule.json (its window and the schedule's conflicts with it, when a schedule is wired), steps.json (as it was after each step), votes.json, baseline.json, events.ndjson (every audit event
with its hashes), chain.ndjson (the links from its first sealed event to the checkpoint), checkpoint.json, manifest.json and
manifest.sig (the SHA-256 of every file, signed).</p>
<h2>Not in this pack</h2>
<ul>{{range .M.NotIncluded}}<li>{{.}}</li>{{end}}</ul>
</body></html>
`))

type indexData struct {
	M        Manifest
	R        change.RFC
	Votes    []change.Vote
	Baseline []cmdb.BaselineItem
	Steps    []Step
}

func (p *packWriter) index(m Manifest, r change.RFC, votes []change.Vote, baseline []cmdb.BaselineItem, steps []Step) error {
	f, err := p.create("index.html")
	if err != nil {
		return err
	}
	return indexPage.Execute(f, indexData{M: m, R: r, Votes: votes, Baseline: baseline, Steps: steps})
}
