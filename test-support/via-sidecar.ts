// Requests to a service's app channel as its Dapr sidecar relays them: with the
// token the sidecar presents (APP_API_TOKEN), which the tests' apps are given.
import request from 'supertest';
import type express from 'express';

/** What the stub "sidecar" presents to the app (APP_API_TOKEN). */
export const TEST_APP_TOKEN = 'test-app-token-0123456789';

/** Requests as our sidecar relays them: with the app token, nothing else. */
export const viaSidecar = (app: express.Express) => request.agent(app).set('dapr-api-token', TEST_APP_TOKEN);
