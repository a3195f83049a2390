import fp from 'fastify-plugin';
import { FeedbackService } from '../../feedback/feedback-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    feedback: FeedbackService;
  }
}

export const feedbackPlugin = fp(
  async (app) => {
    app.decorate('feedback', new FeedbackService(app.store));
  },
  { name: 'feedback', dependencies: ['store'] },
);
