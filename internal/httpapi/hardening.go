package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/changeboard/changeboard/internal/errs"
)

// MaxQueryValues bounds the query parameters of one request, repeated
// ones counted each time: no list takes more than a dozen, and every one
// of them costs work.
const MaxQueryValues = 50

// boundQuery refuses a request with more than MaxQueryValues query values
// before any handler sees it.
func boundQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		n := 0
		for _, vs := range c.QueryParams() {
			n += len(vs)
		}
		if n > MaxQueryValues {
			return errs.Field("query", fmt.Sprintf("at most %d query parameters", MaxQueryValues))
		}
		return next(c)
	}
}

// metricsConfig labels the HTTP series by route template, method and
// status only: the library's defaults add the Host header and, for an
// unknown route, the request's path, both chosen by the client, so that
// each new value was a new series kept for ever.
func metricsConfig(reg prometheus.Registerer) echoprometheus.MiddlewareConfig {
	return echoprometheus.MiddlewareConfig{
		Namespace: "changeboard", Subsystem: "http", Registerer: reg,
		DoNotUseRequestPathFor404: true,
		LabelFuncs: map[string]echoprometheus.LabelValueFunc{
			"host": func(echo.Context, error) string { return "" },
			"method": func(c echo.Context, _ error) string {
				if m := c.Request().Method; knownMethods[m] {
					return m
				}
				return "OTHER"
			},
			"url": func(c echo.Context, _ error) string {
				if c.Path() == "" {
					return "unmatched"
				}
				return strings.ToValidUTF8(c.Path(), "\uFFFD")
			},
		},
	}
}

var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}
