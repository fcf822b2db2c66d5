import { mount } from 'svelte';
import { LogClient } from 'log-client';
import App from './App.svelte';
import { loadConfig } from './config.js';

const { config, problem } = await loadConfig();

const logger = new LogClient({
  service: config.service,
  environment: config.environment,
  logServerUrl: config.logServerUrl,
  apiKey: config.apiKey,
  serviceVersion: 'v1.0.0',
  // the payment API may live on another origin (dev set-ups): trace it too
  tracePropagationTargets: config.paymentApiUrl ? [config.paymentApiUrl, location.origin] : undefined,
});
if (problem) logger.warn({ message: 'config_fallback', reason: problem });

// exposed for the browser end-to-end test and for poking around in devtools
window.__logClient = logger;

mount(App, { target: document.getElementById('app'), props: { logger, config, configProblem: problem } });
