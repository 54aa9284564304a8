// The API documentation page: Swagger UI over the app's own OpenAPI description (cookies go along).
"use strict";
window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
