// NestJS app on its Express (default) or Fastify adapter (NEST_ADAPTER=fastify). Plain JavaScript: the decorators
// are applied as functions, as TypeScript would emit them. NestJS 12 by default; APP_MODULES=<dir> loads @nestjs/*
// from that directory instead (packages/otel-bootstrap-previous-majors: NestJS 11).
const load = process.env.APP_MODULES ? require('node:module').createRequire(`${process.env.APP_MODULES}/`) : require;
require('./expect-versions.cjs')(load);
load('reflect-metadata');
const { NestFactory } = load('@nestjs/core');
const { Controller, Get, Post, Param, Module, HttpCode, HttpException } = load('@nestjs/common');

class ItemsController {
  get(id) {
    return { id };
  }
  create() {
    return { ok: true };
  }
  fail() {
    throw new HttpException('boom', 500);
  }
}
const proto = ItemsController.prototype;
const method = (decorators, name) => {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  for (const dec of decorators) dec(proto, name, d);
};
Param('id')(proto, 'get', 0);
method([Get(':id')], 'get');
method([Post(), HttpCode(201)], 'create');
method([Get('fail/now')], 'fail');
Controller('items')(ItemsController);

class AppModule {}
Module({ controllers: [ItemsController] })(AppModule);

async function main() {
  let app;
  if (process.env.NEST_ADAPTER === 'fastify') {
    const { FastifyAdapter } = load('@nestjs/platform-fastify');
    app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  } else {
    app = await NestFactory.create(AppModule, { logger: false });
  }
  await app.listen(Number(process.env.PORT || 0), '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
}
main();
