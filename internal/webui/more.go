package webui

import "net/http"

// extraRoutes are the pages beyond the RFCs: CAB, CMDB, catalog, audit.
func (u *UI) extraRoutes(m *http.ServeMux) {}
