// Operations: GET /metrics (Prometheus text) and GET /api/openapi.json (the API description,
// generated from the same declarations that check the requests: openapi.ts).
import express, { type Router } from 'express';
import { sendJsonText } from './json.js';
import type { Metrics } from './metrics.js';
import { openApiText } from './openapi.js';
import { endpoint } from './requestInfo.js';

export function operationsApi(deps: { metrics: Metrics }): Router {
  const router = express.Router();
  router.get('/metrics', endpoint('metrics'), async (_req, res) => {
    const text = await deps.metrics.registry.metrics();
    res.status(200).type(deps.metrics.registry.contentType).send(text);
  });
  router.get('/api/openapi.json', endpoint('openapi'), (_req, res) => {
    sendJsonText(res, 200, openApiText());
  });
  return router;
}
