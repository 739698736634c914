/**
 * Composition root: tsyringe wires the engines of one healer. Only core and
 * the server use the container; plugin code never sees it.
 * @internal
 */
import 'reflect-metadata';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { Executor } from './contract/executor.js';
import type { Logger } from './contract/plugin.js';
import type { StateStore } from './contract/state.js';
import { CircuitBreaker, type BreakerPolicy } from './engine/breaker.js';
import { PluginRegistry } from './engine/registry.js';
import type { HealerSettings, Services } from './engine/services.js';
import { TypedEmitter } from './events.js';
import { Redactor } from './redact.js';

export const TOKENS = {
  Registry: Symbol('healer.Registry'),
  State: Symbol('healer.StateStore'),
  Executor: Symbol('healer.Executor'),
  Logger: Symbol('healer.Logger'),
  Redactor: Symbol('healer.Redactor'),
  Breaker: Symbol('healer.CircuitBreaker'),
  BreakerPolicy: Symbol('healer.BreakerPolicy'),
  Settings: Symbol('healer.Settings'),
  Clock: Symbol('healer.Clock'),
  Events: Symbol('healer.Events'),
  Services: Symbol('healer.Services'),
  ExecutorFor: Symbol('healer.ExecutorFor'),
} as const;

export interface Composition {
  registry: PluginRegistry;
  state: StateStore;
  executor: Executor;
  logger: Logger;
  redactor: Redactor;
  breakerPolicy: BreakerPolicy;
  settings: HealerSettings;
  now: () => Date;
  events: TypedEmitter;
  /** The executor of a host (see `CreateHealerOptions.executorFor`); `HOST_UNKNOWN` for a host it cannot reach. */
  executorFor: (host: string) => Promise<Executor>;
}

/** Build a child container for one healer and resolve its services. */
export function composeServices(parts: Composition): { services: Services; container: DependencyContainer } {
  const c = rootContainer.createChildContainer();
  c.register(TOKENS.Registry, { useValue: parts.registry });
  c.register(TOKENS.State, { useValue: parts.state });
  c.register(TOKENS.Executor, { useValue: parts.executor });
  c.register(TOKENS.Logger, { useValue: parts.logger });
  c.register(TOKENS.Redactor, { useValue: parts.redactor });
  c.register(TOKENS.BreakerPolicy, { useValue: parts.breakerPolicy });
  c.register(TOKENS.Settings, { useValue: parts.settings });
  c.register(TOKENS.Clock, { useValue: parts.now });
  c.register(TOKENS.Events, { useValue: parts.events });
  c.register(TOKENS.ExecutorFor, { useValue: parts.executorFor });
  c.register(TOKENS.Breaker, {
    useFactory: instanceCachingFactory((d) => new CircuitBreaker(d.resolve<StateStore>(TOKENS.State), d.resolve<BreakerPolicy>(TOKENS.BreakerPolicy))),
  });
  c.register(TOKENS.Services, {
    useFactory: instanceCachingFactory((d): Services => {
      const events = d.resolve<TypedEmitter>(TOKENS.Events);
      return {
        registry: d.resolve(TOKENS.Registry),
        state: d.resolve(TOKENS.State),
        exec: d.resolve(TOKENS.Executor),
        logger: d.resolve(TOKENS.Logger),
        redactor: d.resolve(TOKENS.Redactor),
        breaker: d.resolve(TOKENS.Breaker),
        settings: d.resolve(TOKENS.Settings),
        now: d.resolve(TOKENS.Clock),
        emit: (executionId, event) => events.emit('timeline', executionId, event),
        executorFor: d.resolve(TOKENS.ExecutorFor),
      };
    }),
  });
  return { services: c.resolve<Services>(TOKENS.Services), container: c };
}
