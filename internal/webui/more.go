package webui

import "net/http"

// extraRoutes are the pages beyond the RFCs: CAB, audit, CMDB, catalog.
func (u *UI) extraRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /ui/cab", u.signedIn(u.cab))
	m.HandleFunc("POST /ui/cab/meetings", u.signedIn(u.createMeeting))
	m.HandleFunc("GET /ui/cab/meetings/{id}", u.signedIn(u.showMeeting))
	m.HandleFunc("POST /ui/cab/meetings/{id}/attendance", u.signedIn(u.meetingAttendance))
	m.HandleFunc("POST /ui/cab/meetings/{id}/close", u.signedIn(u.closeMeeting))
	m.HandleFunc("GET /ui/audit", u.signedIn(u.auditTrail))
	m.HandleFunc("GET /ui/cis", u.signedIn(u.listCIs))
	m.HandleFunc("GET /ui/cis/{id}", u.signedIn(u.showCI))
	m.HandleFunc("GET /ui/schedule", u.signedIn(u.showSchedule))
	m.HandleFunc("GET /ui/releases", u.signedIn(u.listReleases))
	m.HandleFunc("GET /ui/releases/{id}", u.signedIn(u.showRelease))
	m.HandleFunc("GET /ui/updates", u.signedIn(u.listUpdates))
	m.HandleFunc("GET /ui/updates/{id}", u.signedIn(u.showUpdate))
	m.HandleFunc("POST /ui/updates/{id}/transitions", u.signedIn(u.transitionUpdate))
}
