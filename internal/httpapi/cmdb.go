package httpapi

import "github.com/labstack/echo/v4"

// cmdbRoutes registers the configuration management routes.
func (h handlers) cmdbRoutes(v1 *echo.Group) {}
