package httpapi

import "github.com/labstack/echo/v4"

// catalogRoutes registers the patch catalog and compliance routes.
func (h handlers) catalogRoutes(v1 *echo.Group) {}
