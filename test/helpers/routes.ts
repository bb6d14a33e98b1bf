import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../../src/auth/decorators/public.decorator';
import { ROLES_KEY } from '../../src/auth/decorators/roles.decorator';

export interface RouteAccess {
  method: string;
  path: string;
  access: string; // 'public' | 'user' | 'admin'
}

/** Every route the app declares, with its access declaration, read from Nest's own metadata. */
export function listRoutes(app: INestApplication): RouteAccess[] {
  const reflector = new Reflector();
  const routes: RouteAccess[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as new (...args: never[]) => object;
      if (!controller) continue;
      const base = normalise(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const paths = Reflect.getMetadata(PATH_METADATA, handler);
        if (method === undefined || paths === undefined) continue;
        const isPublic = reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [handler, controller]);
        const roles = reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [handler, controller]);
        const access = isPublic ? 'public' : roles?.length ? roles.join('|') : 'user';
        for (const p of Array.isArray(paths) ? paths : [paths]) {
          const full = `/${[base, normalise(p)].filter(Boolean).join('/')}`;
          routes.push({ method: RequestMethod[method], path: full, access });
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

function normalise(path: string | undefined): string {
  return (path ?? '').replace(/^\/+|\/+$/g, '');
}
