package httpapi

import "github.com/labstack/echo/v4"

// deploymentRoutes serves deployments, their targets and the agents' work.
func (h handlers) deploymentRoutes(g *echo.Group) {}
