"""Work: the handle an async_op=True collective returns."""

__all__ = ["Work"]


class Work:
    """Pending MPI requests plus what must happen once they finish (copy a
    temporary buffer back into the caller's tensor, divide for AVG)."""

    def __init__(self, requests, finish=None, result=None):
        self._requests = list(requests)
        self._finish = finish
        self._result = result
        self._done = False

    def _complete(self):
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout=None):
        if not self._done:
            from mpi4py import MPI

            MPI.Request.Waitall(self._requests)
            self._complete()
        return True

    def is_completed(self):
        if not self._done:
            from mpi4py import MPI

            if MPI.Request.Testall(self._requests):
                self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def result(self):
        self.wait()
        return self._result if self._result is not None else []

    def synchronize(self):
        self.wait()

    def get_future(self):
        from concurrent.futures import Future

        self.wait()
        fut = Future()
        fut.set_result(self.result())
        fut.value = fut.result
        return fut
