// Starts Swagger UI on the API documentation page (/api/docs) from a file, not an inline script, so the
// page keeps the site's strict Content-Security-Policy. The schema's URL comes from this script's tag.
(function () {
  "use strict";
  var script = document.currentScript;
  window.SwaggerUIBundle({
    url: script.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no badge fetched from swagger.io
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
